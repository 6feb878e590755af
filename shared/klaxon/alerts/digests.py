"""The digest: one message per incidents channel, updated in place, listing what nobody has handled
(and, in verbose mode, what was handled and by whom: IMS's OK/NG view). Also reminders at set hours.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from klaxon.alerts.model import Alert
from klaxon.configuration.model import Preferences

HANDLED_LOOKBACK = timedelta(hours=24)  # how far back the verbose digest lists handled alerts
REMINDER_GRACE = timedelta(minutes=10)  # a reminder still goes out if the sweep runs this late


@dataclass(frozen=True)
class Unreachable:
    """An incidents channel Klaxon cannot post in (Slack's reason), and how many alerts wait for it."""

    channel: str
    reason: str
    waiting: int


@dataclass(frozen=True)
class Digest:
    """What one incidents channel's digest shows."""

    channel: str
    unacknowledged: tuple[Alert, ...]  # oldest first
    handled: tuple[Alert, ...]  # verbose mode only, earliest handled first
    older_than_seconds: int
    verbose: bool
    unreachable: tuple[Unreachable, ...] = ()  # other channels' alerts that cannot be posted: admins must know

    @property
    def fingerprint(self) -> str:
        """Changes exactly when what the digest shows changes (not with the passing of time)."""
        shown = [(a.id, a.state, a.count, a.label, sorted({m.user for m in a.marks}), a.resolved_by)
                 for a in (*self.unacknowledged, *self.handled)]
        text = repr((self.older_than_seconds, self.verbose, shown, self.unreachable))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def is_empty(self) -> bool:
        return not self.unacknowledged and not self.handled and not self.unreachable


@dataclass(frozen=True)
class DigestPost:
    """Where a channel's digest message (or host board) is, what it showed when last drawn, and when that was."""

    channel: str
    ts: str | None
    fingerprint: str | None
    drawn_at: datetime | None = None


def compose(overdue: Iterable[Alert], handled: Iterable[Alert], preferences: Preferences,
            channels: Iterable[str], unreachable: Iterable[Unreachable] = ()) -> list[Digest]:
    """A digest for each of `channels` and each channel an overdue or handled alert was posted to - except
    the channels Klaxon cannot post in, which every other digest names instead."""
    overdue, handled = list(overdue), list(handled) if preferences.verbose_digest else []
    cannot = {u.channel: u for u in unreachable}
    every = set(channels) | {a.target_channel for a in (*overdue, *handled)}
    return [Digest(channel=channel,
                   unacknowledged=tuple(a for a in overdue if a.target_channel == channel),
                   handled=tuple(a for a in handled if a.target_channel == channel),
                   older_than_seconds=preferences.digest_after_seconds, verbose=preferences.verbose_digest,
                   unreachable=tuple(cannot[c] for c in sorted(cannot)))
            for channel in sorted(every - set(cannot))]


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
