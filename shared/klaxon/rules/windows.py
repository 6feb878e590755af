"""Time windows: when a rule may take a message.

The syntax `TimeWindow.parse` reads and `TimeWindow.describe` writes:

    [not] [DAYS] HH:MM-HH:MM [ZONE]   mon-fri 09:00-18:00 Asia/Tokyo · daily 22:00-06:00 Europe/London
    [not] ims:/REGEX/ [ZONE]          IMS style: REGEX (RE2) searched in the local time rendered as
                                      `2006/01/02 15:04:05 Mon` (Python: `%Y/%m/%d %H:%M:%S %a`)
    [not] ims:REGEX [ZONE]            the same, for a regex without spaces

DAYS is `daily` (or `*`, or left out) or a comma list of days and ranges: `mon-fri`, `mon,wed,fri`,
`sat,sun`, `fri-mon` (ranges wrap); days by three-letter or full English name, in any case.
ZONE is an IANA name such as `Asia/Tokyo`, or `UTC` (the default). `not` inverts the window ("not during").

Semantics, in the wall-clock time of ZONE:
- The start is inclusive and the end exclusive: `09:00-18:00` admits 09:00:00 up to 17:59:59.
  `00:00-24:00` is the whole day.
- A range whose end is not after its start runs overnight, and DAYS names the day it starts on:
  `mon-fri 22:00-06:00` admits Friday 23:00 and Saturday 05:00, but not Saturday 23:00, nor Monday
  03:00 (that night started on Sunday).
- Daylight saving: a window is open whenever the local clock reads a time inside it. On the
  spring-forward day a window lying wholly in the skipped hour never opens; on the fall-back day a
  window covering the repeated hour is open during both passes.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from klaxon.rules.errors import RuleError
from klaxon.rules.patterns import CompiledPattern, compile_re2, quote, read_slashed, write_slashed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
MINUTES_PER_DAY = 24 * 60
IMS_PREFIX = "ims:"

_DAY_NAMES = {name: index for index, name in enumerate(WEEKDAYS)} | {
    full: index
    for index, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_EVERY_DAY = frozenset(range(7))
_TIME_RANGE = re.compile(r"(\d{1,2}:\d{2})-(\d{1,2}:\d{2})")
_CLOCK_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_NOT = re.compile(r"\s*not\s+", re.IGNORECASE)


@dataclass(frozen=True)
class WeeklyHours:
    """Days of the week and a wall-clock range, in minutes after midnight (start inclusive, end exclusive)."""

    days: frozenset[int]  # 0 = Monday … 6 = Sunday, as datetime.weekday()
    start: int
    end: int

    def __post_init__(self) -> None:
        if not self.days or not self.days <= _EVERY_DAY:
            raise RuleError("a time window needs at least one day, mon to sun")
        if not (0 <= self.start < MINUTES_PER_DAY and 0 <= self.end <= MINUTES_PER_DAY):
            raise RuleError("a time window runs from 00:00 to at most 24:00")
        if self.end == 0:
            object.__setattr__(self, "end", MINUTES_PER_DAY)  # `18:00-00:00` means until midnight
        if self.start == self.end:
            raise RuleError("a time window cannot start and end at the same time; use 00:00-24:00 for a whole day")

    @property
    def overnight(self) -> bool:
        """Whether the range runs past midnight into the next day."""
        return self.end <= self.start

    def admits(self, local: datetime) -> bool:
        """Whether the local wall-clock time falls inside."""
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        if not self.overnight:
            return day in self.days and self.start <= minute < self.end
        started_today = day in self.days and minute >= self.start
        started_yesterday = (day - 1) % 7 in self.days and minute < self.end
        return started_today or started_yesterday

    def describe(self) -> str:
        """`mon-fri 09:00-18:00`."""
        return f"{describe_days(self.days)} {_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class ClockPattern:
    """IMS's time rule: an RE2 regex searched in the local time rendered as `2006/01/02 15:04:05 Mon`."""

    regex: str
    _compiled: CompiledPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", compile_re2(self.regex, what="time window regex"))

    def admits(self, local: datetime) -> bool:
        """Whether the regex finds a match in the rendered local time."""
        return self._compiled.search(render_ims_time(local)) is not None

    def describe(self) -> str:
        """`ims:/2[0-9]:..:.. (Sat|Sun)/`."""
        return IMS_PREFIX + write_slashed(self.regex)


@dataclass(frozen=True)
class TimeWindow:
    """When a rule may take a message: a schedule in a time zone, possibly negated."""

    schedule: WeeklyHours | ClockPattern
    zone: str = "UTC"
    negated: bool = False

    def __post_init__(self) -> None:
        load_zone(self.zone)

    @classmethod
    def parse(cls, text: str) -> "TimeWindow":
        """Read the user syntax described in this module's docstring."""
        negation = _NOT.match(text)
        body = (text[negation.end() :] if negation else text).strip()
        schedule: WeeklyHours | ClockPattern
        if body.lower().startswith(IMS_PREFIX):
            schedule, zone_words = _parse_clock_pattern(body)
        else:
            schedule, zone_words = _parse_weekly_hours(body.split())
        if len(zone_words) > 1:
            raise RuleError(f'unexpected "{quote(" ".join(zone_words[1:]))}" after the time zone in "{quote(text)}"')
        zone = normalise_zone(zone_words[0]) if zone_words else "UTC"
        return cls(schedule, zone=zone, negated=negation is not None)

    def contains(self, at: datetime) -> bool:
        """Whether the window admits the instant `at` (an aware datetime)."""
        if at.utcoffset() is None:
            raise ValueError("TimeWindow.contains needs an aware datetime")
        return self.schedule.admits(at.astimezone(load_zone(self.zone))) != self.negated

    def describe(self) -> str:
        """Canonical text that `parse` reads back to an equal window."""
        return ("not " if self.negated else "") + f"{self.schedule.describe()} {self.zone}"

    def to_record(self) -> dict[str, object]:
        """A plain dict for storage and export."""
        record: dict[str, object] = {"zone": self.zone, "negated": self.negated}
        if isinstance(self.schedule, ClockPattern):
            return {"kind": "ims", "regex": self.schedule.regex} | record
        return {
            "kind": "weekly",
            "days": [WEEKDAYS[day] for day in sorted(self.schedule.days)],
            "start": _clock(self.schedule.start),
            "end": _clock(self.schedule.end),
        } | record

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> "TimeWindow":
        """Rebuild a window from `to_record`'s dict; anything missing or malformed raises RuleError."""
        kind = record.get("kind")
        expected = {"kind", "zone", "negated"} | ({"regex"} if kind == "ims" else {"days", "start", "end"})
        if kind not in ("ims", "weekly"):
            raise RuleError(f'time window record has kind {kind!r}; expected "weekly" or "ims"')
        if set(record) != expected:
            raise RuleError(f"time window record needs exactly the fields {', '.join(sorted(expected))}")
        zone, negated = record["zone"], record["negated"]
        if not isinstance(zone, str) or not isinstance(negated, bool):
            raise RuleError("time window record needs a zone name and a true/false negated")
        return cls(_schedule_from_record(record), zone=zone, negated=negated)


def _schedule_from_record(record: Mapping[str, object]) -> WeeklyHours | ClockPattern:
    if record["kind"] == "ims":
        regex = record["regex"]
        if not isinstance(regex, str):
            raise RuleError("time window record's regex must be text")
        return ClockPattern(regex)
    days, start, end = record["days"], record["start"], record["end"]
    if not isinstance(days, list) or not days or not all(isinstance(day, str) for day in days):
        raise RuleError("time window record's days must be a list of day names")
    if not isinstance(start, str) or not isinstance(end, str):
        raise RuleError("time window record's start and end must be HH:MM text")
    return WeeklyHours(parse_days(",".join(days)), parse_clock(start, is_end=False), parse_clock(end, is_end=True))


def _parse_weekly_hours(words: list[str]) -> tuple[WeeklyHours, list[str]]:
    """Split `[DAYS] RANGE [ZONE]`; DAYS may be spread over words (`mon, wed`)."""
    for index, word in enumerate(words):
        time_range = _TIME_RANGE.fullmatch(word)
        if time_range:
            days = parse_days("".join(words[:index])) if index else _EVERY_DAY
            start, end = (parse_clock(time_range[1], is_end=False), parse_clock(time_range[2], is_end=True))
            return WeeklyHours(days, start, end), words[index + 1 :]
    raise RuleError(f'time window "{quote(" ".join(words))}" needs a time range such as 09:00-18:00')


def _parse_clock_pattern(text: str) -> tuple[ClockPattern, list[str]]:
    """Read `ims:/REGEX/ [ZONE]` or `ims:REGEX [ZONE]`."""
    rest = text[len(IMS_PREFIX) :]
    slashed = read_slashed(rest)
    if slashed is not None:
        regex, after = slashed
        if after and not after[0].isspace():
            raise RuleError(f'unexpected "{quote(after)}" right after the closing slash of "{quote(text)}"')
        return ClockPattern(regex), after.split()
    if rest.startswith("/"):
        raise RuleError(f'time window regex "{quote(rest)}" has no closing slash')
    regex, *zone_words = rest.split() or [""]  # an empty regex is reported by ClockPattern
    return ClockPattern(regex), zone_words


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `fri-mon`, `daily` or `*` → weekday numbers (0 = Monday)."""
    if text.lower() in ("daily", "*"):
        return _EVERY_DAY
    days: set[int] = set()
    for item in text.lower().split(","):
        first, dash, last = item.partition("-")
        start = _day(first, text)
        stop = _day(last, text) if dash else start
        days.update((start + offset) % 7 for offset in range((stop - start) % 7 + 1))
    return frozenset(days)


def describe_days(days: frozenset[int]) -> str:
    """Weekday numbers → `daily`, `mon-fri`, `mon,wed,fri`, `sat,sun`; runs of three or more become ranges."""
    if days == _EVERY_DAY:
        return "daily"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [
        f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}" if len(run) >= 3 else ",".join(WEEKDAYS[day] for day in run)
        for run in runs
    ]
    return ",".join(parts)


def parse_clock(text: str, *, is_end: bool) -> int:
    """`HH:MM` → minutes after midnight; `24:00` is allowed only as an end."""
    match = _CLOCK_TIME.fullmatch(text)
    hour, minute = (int(part) for part in match.groups()) if match else (-1, -1)
    latest = MINUTES_PER_DAY if is_end else MINUTES_PER_DAY - 1
    if not (0 <= hour <= 24 and 0 <= minute <= 59 and hour * 60 + minute <= latest):
        raise RuleError(f'bad time "{quote(text)}": times are HH:MM from 00:00 to 23:59, and 24:00 as an end')
    return hour * 60 + minute


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or RuleError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Asia"
        raise RuleError(f'unknown time zone "{quote(name)}": use an IANA name such as Asia/Tokyo, or UTC') from None


def normalise_zone(name: str) -> str:
    """Accept `utc` in any case for `UTC`; other names are checked as written."""
    return "UTC" if name.upper() == "UTC" else name


def render_ims_time(local: datetime) -> str:
    """Go's `2006/01/02 15:04:05 Mon` layout, with English day names whatever the process locale."""
    return f"{local:%Y/%m/%d %H:%M:%S} {WEEKDAYS[local.weekday()].title()}"


def _day(name: str, text: str) -> int:
    if name not in _DAY_NAMES:
        raise RuleError(
            f'unknown day "{quote(name)}" in "{quote(text)}": use mon, tue, wed, thu, fri, sat, sun, '
            "ranges like mon-fri, lists like mon,wed,fri, or daily"
        )
    return _DAY_NAMES[name]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
