"""What the domain needs from the outside world, and nothing about how it is done.

Services take these as arguments: DynamoDB and Slack's Web API in production and the local cloud,
in-memory fakes in unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from klaxon.alerts import Alert, HandledMark
from klaxon.configuration import ConfigurationStore
from klaxon.digests import Digest, DigestPost
from klaxon.escalation import Notification, Page


class EventClaims(Protocol):
    """Once-only processing of Slack deliveries: a retry of a claimed event is dropped."""

    def claim(self, event_id: str, now: datetime) -> bool:
        """True if this caller may process the event; False if it was done or is being done."""
        ...

    def complete(self, event_id: str, now: datetime) -> None:
        """The event's work is done: retries of it are dropped until the marker expires."""
        ...

    def release(self, event_id: str) -> None:
        """The work failed: let the next delivery (Lambda's or Slack's retry) try again."""
        ...


class RaiseOutcome(StrEnum):
    NEW = "new"  # a new alert: post it
    GROUPED = "grouped"  # a repeat counted into its group's open alert: update that post
    ALREADY_RECORDED = "already_recorded"  # this message was recorded before (a redelivery)


@dataclass(frozen=True)
class Raised:
    alert: Alert
    outcome: RaiseOutcome


class AlertRepository(Protocol):
    def raise_alert(self, alert: Alert, group_until: datetime) -> Raised:
        """Store a new alert for its message, or count it into the open alert of its group.

        A repeat within the group's window (which slides to `group_until` on every repeat) is counted
        into the group's alert unless that alert was resolved. Exactly once per message, however many
        times it is delivered.
        """
        ...

    def record_post(self, alert: Alert, post_ts: str, permalink: str | None) -> Alert:
        """Remember where the alert was posted, so reactions there find it (and it is no longer waiting)."""
        ...

    def unposted(self, recorded_before: datetime, limit: int | None = None) -> list[Alert]:
        """Alerts recorded before `recorded_before` and still not posted (their poster died, or their channel
        could not be reached), oldest first: the sweep posts them."""
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

    def unacknowledged(self, seen_before: datetime, limit: int | None = None) -> list[Alert]:
        """Alerts nobody has handled, first seen before `seen_before`, oldest first (the due index)."""
        ...

    def recently_handled(self, since: datetime, limit: int | None = None) -> list[Alert]:
        """Alerts handled (acknowledged or resolved) since `since`, earliest handled first."""
        ...


@dataclass(frozen=True)
class MessageReferents:
    """What a message is to Klaxon: the alert it raised or shows, and the page it started."""

    alert_id: str | None = None
    page_id: str | None = None


class MessageIndex(Protocol):
    def lookup(self, channel: str, ts: str) -> MessageReferents:
        """One small read; the only one when the message is nothing to Klaxon."""
        ...


class PageRepository(Protocol):
    def start(self, page: Page) -> bool:
        """Store a new page; False if one with its id exists."""
        ...

    def get(self, page_id: str) -> Page | None: ...

    def claim_step(self, page: Page, claimed: Page, now: datetime) -> Page | None:
        """Advance `page` to `claimed`'s step if it is still at its own and that step is due by `now`;
        None if another worker took it or it is not due yet."""
        ...

    def finish_step(self, page: Page, step: int) -> Page | None:
        """Step `step`'s messages are all out: store `page` (no step sending, next due at its `next_at`);
        None if another worker finished it first."""
        ...

    def record_notification(self, page_id: str, notification: Notification) -> None: ...

    def acknowledge(self, page_id: str, user: str, at: datetime) -> Page | None:
        """Stop an active page; None if it is not active."""
        ...

    def exhaust(self, page: Page, now: datetime) -> Page | None:
        """End a spent page whose last wait ran out by `now`; None if it moved or is not due yet."""
        ...

    def due(self, now: datetime, limit: int | None = None) -> list[Page]:
        """Active pages with work due by `now` (a step, an interrupted step, or their end)."""
        ...

    def due_timeouts(self, now: datetime, limit: int | None = None) -> list[str]: ...

    def clear_timeout(self, alert_id: str, now: datetime) -> bool:
        """Take an alert's ack timer if it ran out by `now`; False if taken already or not due."""
        ...


class Store(Protocol):
    """Everything Klaxon keeps, one repository per concern."""

    @property
    def claims(self) -> EventClaims: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def configuration(self) -> ConfigurationStore: ...

    @property
    def digests(self) -> DigestPosts: ...

    @property
    def messages(self) -> MessageIndex: ...

    @property
    def pages(self) -> PageRepository: ...


class ChannelUnreachable(Exception):
    """Klaxon cannot post in a channel: private and Klaxon not invited, archived, or not joinable."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"Klaxon cannot post in {channel}: {reason}")
        self.channel = channel
        self.reason = reason


class SlackBusy(Exception):
    """Slack rate-limited a call for longer than the caller can wait; try again after `retry_after` seconds."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"Slack rate-limited {method} for {retry_after:.0f}s")
        self.retry_after = retry_after


class MessageUnavailable(Exception):
    """Slack would not give a message: `error` is Slack's error code (not_in_channel, channel_not_found,
    ratelimited, missing_scope…), `retry_after` the seconds Slack asked to wait when rate-limited."""

    def __init__(self, error: str, retry_after: float | None = None) -> None:
        super().__init__(f"Slack would not give the message: {error}")
        self.error = error
        self.retry_after = retry_after


class MessageReader(Protocol):
    def read_message(self, channel: str, ts: str, thread_ts: str | None = None) -> dict[str, Any] | None:
        """One message as Slack stores it (a reply when `thread_ts` names its thread); None if there is none.

        Raises MessageUnavailable when Slack refuses.
        """
        ...


class SlackGateway(Protocol):
    """The Slack Web API calls Klaxon makes, in the incident domain's words."""

    def post_alert(self, alert: Alert) -> str:
        """Post the alert to its target channel (joining it if it is public); return the post's ts.

        Raises ChannelUnreachable when Klaxon cannot post there.
        """
        ...

    def recent_alert_posts(self, channel: str) -> dict[str, str]:
        """Alert id → ts of Klaxon's reposts among the channel's newest messages: posts Slack may have made
        although Klaxon never heard back. May raise SlackBusy (the look is rate-limited hard)."""
        ...

    def update_alert(self, alert: Alert) -> None:
        """Re-render the alert's post in place (count, state, who handled it)."""
        ...

    def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a message, or None when Slack cannot give one (deleted, no access)."""
        ...

    def mark_handled(self, channel: str, ts: str, reaction: str) -> None:
        """Add the handled reaction to a message; already having it is fine."""
        ...

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        """A message's reactions now: name → users (reactions.get; may raise SlackBusy)."""
        ...

    def post_digest(self, digest: Digest) -> str:
        """Post a channel's digest; return its ts."""
        ...

    def update_digest(self, digest: Digest, ts: str) -> None:
        """Redraw a channel's digest in place."""
        ...

    def post_reminder(self, channel: str, overdue: Sequence[Alert]) -> str:
        """Post a reminder listing the alerts nobody has handled."""
        ...

    def note_in_thread(self, channel: str, ts: str, text: str) -> None:
        """Reply in the thread of the message at (channel, ts)."""
        ...

    def say(self, channel: str, text: str) -> None:
        """Post a plain message (e.g. the answer to a direct message)."""
        ...

    def page_person(self, user: str, page: Page, step: int) -> tuple[str, str]:
        """Direct-message one person for one step of a page; return where the message is (channel, ts)."""
        ...

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        """Redraw a page's direct message to say who acknowledged it (its button goes)."""
        ...


class DigestPosts(Protocol):
    """Each incidents channel's digest message, and a short lock so overlapping sweeps draw it once."""

    def all(self) -> dict[str, DigestPost]: ...

    def lock(self, channel: str, now: datetime) -> DigestPost | None:
        """The channel's digest post if this sweep may draw it now; None while another sweep is, or
        once a sweep of a later `now` (a newer view of the alerts) has drawn it."""
        ...

    def release(self, post: DigestPost) -> None:
        """Record what was drawn (ts and fingerprint) and let the next sweep in."""
        ...


@dataclass(frozen=True)
class Person:
    """A workspace member (or a bot's user), as the directory knows them."""

    id: str
    name: str
    bot_id: str | None = None  # set for a bot's user: its messages may arrive under this id instead
    tz: str = "UTC"


class SlackDirectory(Protocol):
    """Looking up channels, people and user groups by name (for names typed without autocomplete)."""

    def channels(self, fresh: bool = False) -> dict[str, str]:
        """Every channel the bot can see: name → id (`fresh`: not from a copy older than a few seconds)."""
        ...

    def channel_exists(self, channel_id: str) -> bool: ...

    def people(self, fresh: bool = False) -> dict[str, Person]:
        """Every member by each name they go by (username, display name, real name) → the person."""
        ...

    def groups(self, fresh: bool = False) -> dict[str, str]:
        """Every user group: handle → id."""
        ...

    def group_members(self, group_id: str) -> frozenset[str]:
        """The user ids in a user group now."""
        ...
