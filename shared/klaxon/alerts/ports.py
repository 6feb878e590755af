"""What alerts need kept: the alert repository (with monitoring sources' lifecycle), the message index, the
digest posts, and the silences consulted when an alert is judged. DynamoDB in the functions
(klaxon.dynamo), in-memory fakes in unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from klaxon.alerts.digests import DigestPost
from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.lifecycle import Change
from klaxon.alerts.model import Alert, AlertListing, HandledMark


class RaiseOutcome(StrEnum):
    NEW = "new"  # a new alert: post it
    GROUPED = "grouped"  # a repeat counted into its group's open alert: update that post
    ALREADY_RECORDED = "already_recorded"  # this message was recorded before (a redelivery)


@dataclass(frozen=True)
class Raised:
    alert: Alert
    outcome: RaiseOutcome


@dataclass(frozen=True)
class Arrival:
    """A monitoring source's event on its way in: when it happened, and (firing) the alert it would raise.

    `draft` is the alert as judged (label, target, rule, …); a new alert gets its id from the key's state.
    """

    event: ExternalEvent
    at: datetime
    draft: Alert | None = None

    @property
    def silenced(self) -> bool:
        """Whether a silence covers the alert this arrival would raise (judged when it arrived)."""
        return self.draft is not None and self.draft.silenced_by is not None

    def alert(self, alert_id: str) -> Alert:
        """The draft as the new alert `alert_id`."""
        assert self.draft is not None, "only a firing event raises an alert"
        return replace(self.draft, id=alert_id)


@dataclass(frozen=True)
class Applied:
    """What one arrival changed, and its key's alert as it now is (None when the key has no alert)."""

    arrival: Arrival
    change: Change
    alert: Alert | None


class AlertRepository(Protocol):
    def raise_alert(self, alert: Alert, group_until: datetime, now: datetime) -> Raised:
        """Store a new alert for its message, or count it into the open alert of its group.

        A repeat within the group's window (which slides to `group_until` on every repeat) is counted
        into the group's alert unless that alert was resolved. Exactly once per message, however many
        times it is delivered. A new alert to post is leased to this caller for posting, from `now`.
        """
        ...

    def apply_external(self, arrivals: Sequence[Arrival], window: timedelta, now: datetime) -> list[Applied]:
        """Apply monitoring sources' events to their keys' alerts (klaxon.lifecycle.decide), each exactly once.

        Events of one key are applied in the order given; `window` is the grouping window within which a
        firing reopens its resolved alert. A new alert is leased to this caller for posting, from `now`
        (see claim_posting). Returns one Applied per arrival, in order.
        """
        ...

    def unposted(self, now: datetime, limit: int | None = None) -> list[Alert]:
        """Alerts still unposted whose posting lease has run out, or whose retry has come, by `now` (the
        sweep's), earliest due first."""
        ...

    def claim_posting(self, alert_id: str, now: datetime) -> bool:
        """Take over posting an alert that is still unposted once the lease its raiser held has run out
        (the raiser died mid-way, or released it); False while a lease holds or once it is posted."""
        ...

    def release_posting(self, alert_id: str, retry_at: datetime) -> None:
        """Posting failed (Slack refused, or the channel cannot be reached): free the lease at once, and have
        the sweep try again at `retry_at`. Nothing if it was posted meanwhile."""
        ...

    def record_post(self, alert: Alert, post_ts: str) -> Alert:
        """Remember where the alert was posted (and, for a message alert, its original's permalink), so
        reactions there find it."""
        ...

    def claim_redraw(self, alert_id: str, now: datetime, until: datetime, changed_only: bool = False) -> Alert | None:
        """Take the redraw of a repeated alert's post until `until`, unless another was taken that runs past `now`:
        its repeats are counted (not listed), and the alert is stored and returned with that count and when it was
        last seen; a trailing redraw is left due at `until` (see trailing_redraws). None if another redraw holds,
        or - `changed_only` - if the count is the one drawn already."""
        ...

    def trail_redraw(self, alert_id: str, at: datetime) -> None:
        """Leave a trailing redraw due at `at`: a repeat counted while its alert could not be drawn (not posted
        yet) is drawn by the sweep."""
        ...

    def trailing_redraws(self, now: datetime, limit: int | None = None) -> list[str]:
        """Alerts whose trailing redraw is due by `now`, earliest first (the sweep draws their last count)."""
        ...

    def drop_redraw(self, alert_id: str, due_by: datetime) -> None:
        """Nothing left to draw: forget the alert's trailing redraw if it was due by `due_by` (a later one, left by
        a redraw since, stays)."""
        ...

    def get(self, alert_id: str) -> Alert | None: ...

    def find_by_message(self, channel: str, ts: str) -> Alert | None:
        """The alert whose original message or post is at (channel, ts)."""
        ...

    def add_mark(self, alert_id: str, mark: HandledMark) -> Alert | None:
        """Record that someone handled the alert (the first time per user and way counts); None if no alert."""
        ...

    def remove_mark(self, alert_id: str, user: str, via: str) -> Alert | None:
        """Take a mark back; without marks (and unresolved) the alert is unacknowledged again."""
        ...

    def resolve(self, alert_id: str, user: str, at: datetime) -> Alert | None:
        """Resolve the alert (the first resolver is kept); None if there is no such alert."""
        ...

    def unacknowledged(self, channel: str, seen_before: datetime, limit: int | None = None) -> AlertListing:
        """Alerts to `channel` nobody has handled, first seen before `seen_before`: the oldest `limit` of them
        and how many there are in all (counted, not listed)."""
        ...

    def recently_handled(self, channel: str, since: datetime, limit: int | None = None) -> AlertListing:
        """Alerts to `channel` handled (acknowledged or resolved) since `since` (never silenced ones): the
        earliest handled `limit` of them and how many there are in all."""
        ...

    def relist(self, limit: int) -> list[Alert]:
        """Move up to `limit` alerts stored before each channel had its own lists into their channel's list;
        the alerts moved (none once none are left)."""
        ...

    def silenced(self, since: datetime, limit: int | None = None) -> list[Alert]:
        """Alerts a silence kept quiet, first seen since `since`, oldest first (what /klaxon report counts)."""
        ...


@dataclass(frozen=True)
class MessageReferents:
    """What a message is to Klaxon: the alert it raised or shows, and the page it started."""

    alert_id: str | None = None
    page_id: str | None = None


class SilenceCheck(Protocol):
    """Whether an alert is silenced when it is judged (SPEC §5): recorded, but neither posted nor paged."""

    def silencing(self, alert: Alert, at: datetime) -> str | None:
        """The id of an active silence the alert matches, or None."""
        ...


class MessageIndex(Protocol):
    def lookup(self, channel: str, ts: str) -> MessageReferents:
        """One small read; the only one when the message is nothing to Klaxon."""
        ...


class DigestPosts(Protocol):
    """Each incidents channel's digest message, and a short lock so overlapping sweeps draw it once."""

    def all(self) -> dict[str, DigestPost]:
        """Every channel's post, and (ts None) every incidents channel enlisted but not drawn in yet."""
        ...

    def enlist(self, channel: str) -> None:
        """Remember that alerts are posted to `channel`, so every sweep reads its lists (its digest is drawn
        once something is overdue there) whatever other channels hold. Idempotent."""
        ...

    def lock(self, channel: str, now: datetime, drawn_before: datetime | None = None) -> DigestPost | None:
        """The channel's post if this sweep (of `now`) may draw it; None while another sweep is, once a sweep
        of a later `now` (a newer view) has drawn it, or - with `drawn_before` - when it was drawn after
        that moment (it is not due again yet)."""
        ...

    def release(self, post: DigestPost) -> None:
        """Record what was drawn (ts and fingerprint) and let the next sweep in."""
        ...
