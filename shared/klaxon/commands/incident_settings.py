"""`/klaxon settings incident-…`: when declared incidents page, and their reminders' cadences (SPEC §4).

    /klaxon settings incident-paging 1|2|3|4|off          page the policy at this severity or worse
    /klaxon settings incident-reminders no-lead 5m        nobody leads it, this long after declaring
    /klaxon settings incident-reminders no-severity 5m    nobody set a severity, this long after declaring
    /klaxon settings incident-reminders no-update 30m 2h  no update for this long (severity 1-2, others)
    /klaxon settings incident-reminders break 3h          the lead has led this long: hand over or rest
    /klaxon settings incident-reminders close-hours 09:00 18:00 [Europe/London]   the daily close reminder's hours
    /klaxon settings incident-reminders times 3           each reminder at most this often per occasion
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from klaxon.commands.model import CommandError
from klaxon.commands.names import Names
from klaxon.commands.settings import ChangeSetting, register_setting
from klaxon.commands.words import Words, duration, unknown, whole_number
from klaxon.rules import RuleError
from klaxon.rules.patterns import quote
from klaxon.rules.windows import load_zone, normalise_zone, parse_clock

_CADENCES = {"no-lead": ("incident_no_lead_seconds",), "no-severity": ("incident_no_severity_seconds",),
             "no-update": ("incident_no_update_severe_seconds", "incident_no_update_seconds"),
             "break": ("incident_break_seconds",)}
_REMINDERS = (*_CADENCES, "close-hours", "times")


@dataclass(frozen=True)
class SetIncidentPaging(ChangeSetting):
    """Declared incidents of this severity or worse page their policy; None: they never page by themselves."""

    setting: ClassVar[str] = "incident-paging"
    severity: int | None

    def values(self, names: Names) -> dict[str, Any]:
        return {"incident_paging_severity": self.severity}


@dataclass(frozen=True)
class SetIncidentReminder(ChangeSetting):
    """One reminder's cadence: the Preferences fields it sets, by name."""

    setting: ClassVar[str] = "incident-reminders"
    fields: tuple[tuple[str, Any], ...]

    def values(self, names: Names) -> dict[str, Any]:
        return dict(self.fields)


def _paging(words: Words) -> SetIncidentPaging:
    word = words.next()
    words.end(after="the severity")
    if word is not None and word.lower() == "off":
        return SetIncidentPaging(None)
    return SetIncidentPaging(whole_number(word, "incident-paging (or off)", 1, 4))


def _reminder(words: Words) -> SetIncidentReminder:
    which = (words.next() or "").lower()
    if which not in _REMINDERS:
        raise CommandError(unknown("incident reminder", which, _REMINDERS))
    if which in _CADENCES:
        fields = _CADENCES[which]
        found = tuple((field, duration(words.next(), f"incident-reminders {which}")) for field in fields)
        words.end(after=f"incident-reminders {which}")
        return SetIncidentReminder(found)
    if which == "times":
        times = whole_number(words.next(), "incident-reminders times", 0, 10)
        words.end(after=f"times {times}")
        return SetIncidentReminder((("incident_reminder_times", times),))
    return SetIncidentReminder(_close_hours(words.all()))


def _close_hours(given: list[str]) -> tuple[tuple[str, Any], ...]:
    if len(given) not in (2, 3):
        raise CommandError("close-hours takes a start and an end, such as 09:00 18:00, then a time zone if not UTC")
    try:
        start, end = (parse_clock(word, is_end=False) for word in given[:2])
        zone = normalise_zone(given[2]) if len(given) == 3 else "UTC"
        load_zone(zone)
    except RuleError as error:
        raise CommandError(str(error)) from None
    if start >= end:
        raise CommandError(f'close-hours end after they start, not "{quote(" ".join(given[:2]))}"')
    return (("incident_close_hours", tuple(f"{m // 60:02d}:{m % 60:02d}" for m in (start, end))),
            ("incident_zone", zone))


register_setting(SetIncidentPaging, "/klaxon settings incident-paging 1|2|3|4|off", _paging)
register_setting(SetIncidentReminder, "/klaxon settings incident-reminders no-lead 5m | no-severity 5m | "
                                      "no-update 30m 2h | break 3h | close-hours 09:00 18:00 [zone] | times 3",
                 _reminder)
