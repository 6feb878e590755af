"""Reminders the sweep posts about an incident, each a bounded number of times and cancelled by what it asks for.

    no lead        nobody leads it, some minutes after declaring          → cancelled by `lead`
    no severity    nobody set one, some minutes after declaring           → cancelled by `severity`
    no update      no update or status change for a while (shorter at severity 1-2) → by `update`/`status`
    break          the lead has led for hours: hand over or take a break   → by a new `lead`
    close          open more than a day: close it if it is over, daily, in working hours → by `close`

Each reminder has an anchor - the moment its clock started (the declaration, the last update, when the lead
took it, the day) - and is sent at most `max_times` per anchor, `every` apart; a new anchor (an update, a
new lead) starts it afresh. The record of what was sent is `slot` → count, kept on the incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from klaxon.incidents.model import Incident, Severity


class ReminderKind(StrEnum):
    NO_LEAD = "no_lead"
    NO_SEVERITY = "no_severity"
    NO_UPDATE = "no_update"
    BREAK = "break"
    CLOSE = "close"


@dataclass(frozen=True)
class ReminderSettings:
    """Cadences (a `/klaxon settings` group); the defaults are SPEC §4's."""

    no_lead_after: timedelta = timedelta(minutes=5)
    no_severity_after: timedelta = timedelta(minutes=5)
    no_update_after_severe: timedelta = timedelta(minutes=30)  # severity 1-2
    no_update_after: timedelta = timedelta(hours=2)
    break_after: timedelta = timedelta(hours=3)
    close_after: timedelta = timedelta(days=1)
    working_hours: tuple[time, time] = (time(9), time(18))
    zone: str = "UTC"
    max_times: int = 3  # of each reminder per anchor
    max_close_reminders: int = 5  # working days the close reminder is repeated


@dataclass(frozen=True)
class Reminder:
    """One reminder to post now: which, about what incident, and its slot in the sent record."""

    kind: ReminderKind
    incident_id: str
    slot: str  # kind and anchor: what the sent-count is kept under
    nth: int  # 1 for the first of its slot


@dataclass(frozen=True)
class _Clock:
    kind: ReminderKind
    anchor: datetime  # when its clock started
    wait: timedelta  # from the anchor to the first reminder
    repeat: timedelta  # between reminders
    limit: int  # reminders per anchor
    working_hours_only: bool = False

    @property
    def slot(self) -> str:
        return f"{self.kind.value}@{self.anchor.isoformat()}"

    def next_at(self, times_sent: int) -> datetime:
        return self.anchor + self.wait + self.repeat * times_sent


def due(incident: Incident, settings: ReminderSettings, sent: Mapping[str, int], now: datetime) -> list[Reminder]:
    """The reminders to post about `incident` now, given what was `sent` (slot → times sent)."""
    found = []
    for clock in _clocks(incident, settings):
        times = sent.get(clock.slot, 0)
        if times >= clock.limit or now < clock.next_at(times):
            continue
        if clock.working_hours_only and not _working(now, settings):
            continue
        found.append(Reminder(clock.kind, incident.id, clock.slot, times + 1))
    return found


def next_due(incident: Incident, settings: ReminderSettings, sent: Mapping[str, int],
             now: datetime) -> datetime | None:
    """When the sweep should look at `incident` again (the soonest reminder not yet spent), or None."""
    moments = []
    for clock in _clocks(incident, settings):
        times = sent.get(clock.slot, 0)
        if times < clock.limit:
            moment = max(clock.next_at(times), now)
            moments.append(_next_working(moment, settings) if clock.working_hours_only else moment)
    return min(moments) if moments else None


def _clocks(incident: Incident, settings: ReminderSettings) -> list[_Clock]:
    """A clock for each reminder that applies to the incident as it is."""
    if incident.is_closed:
        return []
    clocks, limit = [], settings.max_times
    if incident.lead is None:
        clocks.append(_Clock(ReminderKind.NO_LEAD, incident.declared_at, settings.no_lead_after,
                             settings.no_lead_after, limit))
    if incident.severity is None:
        clocks.append(_Clock(ReminderKind.NO_SEVERITY, incident.declared_at, settings.no_severity_after,
                             settings.no_severity_after, limit))
    if incident.status.is_open:
        severe = incident.severity in (Severity.CRITICAL, Severity.MAJOR)
        wait = settings.no_update_after_severe if severe else settings.no_update_after
        clocks.append(_Clock(ReminderKind.NO_UPDATE, incident.last_update_at or incident.declared_at, wait, wait,
                             limit))
        if incident.lead and incident.lead_since:
            clocks.append(_Clock(ReminderKind.BREAK, incident.lead_since, settings.break_after,
                                 settings.break_after, limit))
    clocks.append(_Clock(ReminderKind.CLOSE, incident.declared_at, settings.close_after, timedelta(days=1),
                         settings.max_close_reminders, working_hours_only=True))
    return clocks


def _working(moment: datetime, settings: ReminderSettings) -> bool:
    local = moment.astimezone(ZoneInfo(settings.zone))
    start, end = settings.working_hours
    return local.weekday() < 5 and start <= local.time() < end


def _next_working(moment: datetime, settings: ReminderSettings) -> datetime:
    """`moment` if it is in working hours, else the start of the next working day's hours."""
    zone = ZoneInfo(settings.zone)
    local = moment.astimezone(zone)
    for days in range(8):
        day = local.date() + timedelta(days=days)
        start = datetime.combine(day, settings.working_hours[0], zone)
        end = datetime.combine(day, settings.working_hours[1], zone)
        if day.weekday() < 5 and local < end:
            return max(start, local).astimezone(moment.tzinfo)
    return moment  # unreachable with a sane working day; never later than needed
