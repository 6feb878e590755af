"""The digest: one message per incidents channel, updated in place, listing what nobody has handled
(and, in verbose mode, what was handled and by whom: IMS's OK/NG view). Also reminders at set hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from klaxon.alerts.model import Alert, AlertListing
from klaxon.configuration.model import Preferences

HANDLED_LOOKBACK = timedelta(hours=24)  # how far back the verbose digest lists handled alerts
# Alerts a digest lists per list before "…and N more": Slack allows 50 blocks and 3,000 characters a section,
# and a longer list is read by nobody; how many there are in all is counted, not listed.
LISTED = 60
REMINDER_GRACE = timedelta(minutes=10)  # a reminder still goes out if the sweep runs this late


@dataclass(frozen=True)
class Unreachable:
    """An incidents channel Klaxon cannot post in (Slack's reason), and how many alerts wait for it."""

    channel: str
    reason: str
    waiting: int


@dataclass(frozen=True)
class Digest:
    """What one incidents channel's digest shows: the first alerts of each list, and how many each holds in
    all (counted, not listed: `open_total` is exact however many there are)."""

    channel: str
    unacknowledged: tuple[Alert, ...]  # oldest first, at most LISTED
    handled: tuple[Alert, ...]  # verbose mode only, earliest handled first, at most LISTED
    older_than_seconds: int
    verbose: bool
    unreachable: tuple[Unreachable, ...] = ()  # other channels' alerts that cannot be posted: admins must know
    counted_open: int = 0  # how many nobody acknowledged in all (never fewer than those listed)
    counted_handled: int = 0

    @property
    def open_total(self) -> int:
        return max(self.counted_open, len(self.unacknowledged))

    @property
    def handled_total(self) -> int:
        return max(self.counted_handled, len(self.handled))

    @property
    def fingerprint(self) -> str:
        """Changes exactly when what the digest shows changes (not with the passing of time)."""
        shown = [(a.id, a.state, a.count, a.label, sorted({m.user for m in a.marks}), a.resolved_by)
                 for a in (*self.unacknowledged, *self.handled)]
        text = repr((self.older_than_seconds, self.verbose, shown, self.unreachable, self.open_total,
                     self.handled_total))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def is_empty(self) -> bool:
        return not self.open_total and not self.handled_total and not self.unreachable


@dataclass(frozen=True)
class DigestPost:
    """Where a channel's digest message (or host board) is, what it showed when last drawn, and when that was."""

    channel: str
    ts: str | None
    fingerprint: str | None
    drawn_at: datetime | None = None


def compose(channel: str, overdue: AlertListing, handled: AlertListing, preferences: Preferences,
            unreachable: Iterable[Unreachable] = ()) -> Digest:
    """One channel's digest from its own lists (klaxon.alerts.overdue reads them)."""
    return Digest(channel=channel, unacknowledged=overdue.alerts, counted_open=overdue.total,
                  handled=handled.alerts if preferences.verbose_digest else (),
                  counted_handled=handled.total if preferences.verbose_digest else 0,
                  older_than_seconds=preferences.digest_after_seconds, verbose=preferences.verbose_digest,
                  unreachable=tuple(sorted(unreachable, key=lambda u: u.channel)))


def reminder_slots(preferences: Preferences, now: datetime) -> list[datetime]:
    """The configured reminder times (in the reminder zone) that have come and are not yet REMINDER_GRACE old."""
    zone = ZoneInfo(preferences.reminder_zone)
    today = now.astimezone(zone).date()
    slots = [_local(day, hour, zone) for hour in preferences.reminder_hours for day in (today - timedelta(1), today)]
    return sorted(slot for slot in slots if slot <= now < slot + REMINDER_GRACE)


def _local(day: date, hour: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in hour.split(":"))
    # A time the clocks skip (spring forward) means the same wall time an hour on: it still happens that day.
    return datetime.combine(day, time(hours, minutes), zone).astimezone(ZoneInfo("UTC"))
