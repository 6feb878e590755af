"""Time windows: when a rule may take a message, as an on-call engineer reads `mon-fri 09:00-18:00 Asia/Tokyo`."""

from datetime import UTC, datetime

import pytest

from klaxon.rules import ClockPattern, RuleError, TimeWindow, WeeklyHours
from klaxon.rules.windows import render_ims_time


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# 2024-05-03 is a Friday; Tokyo is UTC+9 all year.
@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (utc(2024, 5, 3, 0, 0), True),  # Fri 09:00 Tokyo: the start is inclusive
        (utc(2024, 5, 3, 8, 59, 59), True),  # Fri 17:59:59 Tokyo
        (utc(2024, 5, 3, 9, 0), False),  # Fri 18:00 Tokyo: the end is exclusive
        (utc(2024, 5, 2, 23, 59, 59), False),  # Fri 08:59:59 Tokyo
        (utc(2024, 5, 4, 3, 0), False),  # Sat 12:00 Tokyo
        (utc(2024, 5, 5, 23, 30), False),  # Mon 08:30 Tokyo
        (utc(2024, 5, 6, 0, 0), True),  # Mon 09:00 Tokyo
    ],
)
def test_office_hours_in_tokyo_open_at_the_start_and_close_at_the_end(at: datetime, open_: bool) -> None:
    window = TimeWindow.parse("mon-fri 09:00-18:00 Asia/Tokyo")
    assert window.contains(at) is open_


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (utc(2024, 5, 3, 23, 0), True),  # Fri 23:00: Friday night
        (utc(2024, 5, 4, 5, 0), True),  # Sat 05:00: still Friday night
        (utc(2024, 5, 4, 6, 0), False),  # Sat 06:00: the end is exclusive
        (utc(2024, 5, 4, 23, 0), False),  # Sat 23:00: Saturday night is not a weeknight
        (utc(2024, 5, 6, 3, 0), False),  # Mon 03:00: that night started on Sunday
        (utc(2024, 5, 7, 3, 0), True),  # Tue 03:00: Monday night
        (utc(2024, 5, 6, 21, 59, 59), False),  # Mon 21:59:59
    ],
)
def test_an_overnight_range_belongs_to_the_day_it_starts_on(at: datetime, open_: bool) -> None:
    window = TimeWindow.parse("mon-fri 22:00-06:00 UTC")
    assert window.contains(at) is open_


def test_the_day_of_the_week_is_the_day_in_the_windows_zone() -> None:
    weekend_in_tokyo = TimeWindow.parse("sat,sun 00:00-24:00 Asia/Tokyo")
    assert weekend_in_tokyo.contains(utc(2024, 5, 3, 15, 0))  # Friday in UTC, Saturday 00:00 in Tokyo
    assert not weekend_in_tokyo.contains(utc(2024, 5, 5, 15, 0))  # Sunday in UTC, Monday 00:00 in Tokyo


def test_a_daily_overnight_window_in_london_runs_across_midnight() -> None:
    window = TimeWindow.parse("daily 22:00-06:00 Europe/London")
    # May: London is UTC+1.
    assert window.contains(utc(2024, 5, 4, 21, 0))  # 22:00 BST
    assert window.contains(utc(2024, 5, 4, 23, 30))  # 00:30 BST
    assert not window.contains(utc(2024, 5, 5, 5, 0))  # 06:00 BST
    assert not window.contains(utc(2024, 5, 4, 20, 59))  # 21:59 BST


def test_spring_forward_in_london_skips_a_window_that_lies_in_the_lost_hour() -> None:
    # 2024-03-31 01:00 UTC: London jumps from 01:00 GMT to 02:00 BST.
    lost_hour = TimeWindow.parse("daily 01:00-02:00 Europe/London")
    assert not any(lost_hour.contains(utc(2024, 3, 31, 0, minute)) for minute in (0, 30, 59))  # 00:xx GMT
    assert not lost_hour.contains(utc(2024, 3, 31, 1, 0))  # 02:00 BST
    straddling = TimeWindow.parse("daily 01:30-03:00 Europe/London")
    assert not straddling.contains(utc(2024, 3, 31, 0, 59))  # 00:59 GMT
    assert straddling.contains(utc(2024, 3, 31, 1, 0))  # 02:00 BST: opens at the first minute that exists


def test_spring_forward_in_new_york_skips_two_oclock() -> None:
    # 2024-03-10 07:00 UTC: New York jumps from 02:00 EST to 03:00 EDT.
    window = TimeWindow.parse("daily 02:00-03:00 America/New_York")
    assert not window.contains(utc(2024, 3, 10, 6, 59))  # 01:59 EST
    assert not window.contains(utc(2024, 3, 10, 7, 0))  # 03:00 EDT
    assert window.contains(utc(2024, 3, 11, 6, 30))  # 02:30 EDT the next day


def test_fall_back_in_london_keeps_a_window_open_for_both_passes_of_the_repeated_hour() -> None:
    # 2024-10-27 01:00 UTC: London falls back from 02:00 BST to 01:00 GMT, so 01:xx happens twice.
    window = TimeWindow.parse("daily 01:00-02:00 Europe/London")
    assert window.contains(utc(2024, 10, 27, 0, 30))  # 01:30 BST, first pass
    assert window.contains(utc(2024, 10, 27, 1, 30))  # 01:30 GMT, second pass
    assert not window.contains(utc(2024, 10, 27, 2, 0))  # 02:00 GMT
    assert not window.contains(utc(2024, 10, 26, 23, 59))  # 00:59 BST


def test_fall_back_in_new_york_keeps_one_oclock_open_twice() -> None:
    # 2024-11-03 06:00 UTC: New York falls back from 02:00 EDT to 01:00 EST.
    window = TimeWindow.parse("sun 01:00-02:00 America/New_York")
    assert window.contains(utc(2024, 11, 3, 5, 15))  # 01:15 EDT
    assert window.contains(utc(2024, 11, 3, 6, 15))  # 01:15 EST
    assert not window.contains(utc(2024, 11, 3, 7, 0))  # 02:00 EST


def test_not_during_inverts_the_window() -> None:
    during = TimeWindow.parse("mon-fri 09:00-18:00 Asia/Tokyo")
    outside = TimeWindow.parse("not mon-fri 09:00-18:00 Asia/Tokyo")
    for at in (utc(2024, 5, 3, 0, 0), utc(2024, 5, 3, 9, 0), utc(2024, 5, 4, 3, 0)):
        assert outside.contains(at) is not during.contains(at)


def test_the_whole_weekend_in_utc() -> None:
    weekend = TimeWindow.parse("sat,sun 00:00-24:00 UTC")
    assert weekend.contains(utc(2024, 5, 4, 0, 0))
    assert weekend.contains(utc(2024, 5, 5, 23, 59, 59))
    assert not weekend.contains(utc(2024, 5, 6, 0, 0))
    assert not weekend.contains(utc(2024, 5, 3, 23, 59, 59))


def test_the_local_time_is_rendered_in_gos_layout_for_ims_regexes() -> None:
    assert render_ims_time(datetime(2024, 5, 4, 9, 5, 3)) == "2024/05/04 09:05:03 Sat"


def test_an_ims_regex_window_matches_the_rendered_local_time() -> None:
    # IMS's README: "every day at 10:00-12:00", here in Tokyo.
    window = TimeWindow.parse("ims:/.*\\/.*\\/.* 1[0-2]:.*:.* .*/ Asia/Tokyo")
    assert window.contains(utc(2024, 5, 4, 1, 0))  # 10:00 Tokyo
    assert window.contains(utc(2024, 5, 4, 3, 59, 59))  # 12:59:59 Tokyo
    assert not window.contains(utc(2024, 5, 4, 4, 0))  # 13:00 Tokyo


def test_an_ims_regex_without_spaces_needs_no_slashes_and_can_be_negated() -> None:
    weekend = TimeWindow.parse("ims:(Sat|Sun)$")
    not_weekend = TimeWindow.parse("not ims:(Sat|Sun)$ UTC")
    assert weekend.contains(utc(2024, 5, 4, 12))
    assert not weekend.contains(utc(2024, 5, 3, 12))
    assert not_weekend.contains(utc(2024, 5, 3, 12))


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("mon-fri 09:00-18:00 Asia/Tokyo", "mon-fri 09:00-18:00 Asia/Tokyo"),
        ("not mon-fri 09:00-18:00 Asia/Tokyo", "not mon-fri 09:00-18:00 Asia/Tokyo"),
        ("sat,sun 00:00-24:00 UTC", "sat,sun 00:00-24:00 UTC"),
        ("daily 22:00-06:00 Europe/London", "daily 22:00-06:00 Europe/London"),
        ("* 22:00-06:00", "daily 22:00-06:00 UTC"),
        ("09:00-17:00 utc", "daily 09:00-17:00 UTC"),
        ("mon,wed,fri 08:00-09:30 America/New_York", "mon,wed,fri 08:00-09:30 America/New_York"),
        ("Monday, Tuesday, wed 08:00-09:00", "mon-wed 08:00-09:00 UTC"),
        ("fri-mon 18:00-00:00", "mon,fri-sun 18:00-24:00 UTC"),
        ("NOT  ims:/2[0-9]:..:..  (Sat|Sun)/   Asia/Tokyo", "not ims:/2[0-9]:..:..  (Sat|Sun)/ Asia/Tokyo"),
        ("ims:.*/.*/.*", r"ims:/.*\/.*\/.*/ UTC"),
    ],
)
def test_describe_gives_canonical_text_that_parses_back_to_the_same_window(written: str, canonical: str) -> None:
    window = TimeWindow.parse(written)
    assert window.describe() == canonical
    assert TimeWindow.parse(canonical) == window


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("mon-fri 09:00-18:00 Asia/Tokio", 'unknown time zone "Asia/Tokio"'),
        ("mon-fri 09:00-18:00 Asia", 'unknown time zone "Asia"'),
        ("mon-fry 09:00-18:00", 'unknown day "fry"'),
        ("mon- 09:00-18:00", 'unknown day ""'),
        ("mon-fri 09:00-25:00", 'bad time "25:00"'),
        ("mon-fri 24:00-06:00", 'bad time "24:00"'),
        ("mon-fri 09:60-10:00", 'bad time "09:60"'),
        ("mon 09:00-09:00", "cannot start and end at the same time"),
        ("mon-fri", "needs a time range such as 09:00-18:00"),
        ("", "needs a time range"),
        ("mon 09:00-10:00 UTC tomorrow", 'unexpected "tomorrow"'),
        ("ims:/(/", 'time window regex "(" is not valid RE2: missing ): ('),
        ("ims:/abc", "has no closing slash"),
        ("ims:/abc/x", 'unexpected "x"'),
        ("ims:", "time window regex is empty"),
    ],
)
def test_a_bad_window_is_refused_naming_the_problem(written: str, problem: str) -> None:
    with pytest.raises(RuleError) as error:
        TimeWindow.parse(written)
    assert problem in str(error.value)


def test_a_naive_datetime_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        TimeWindow.parse("daily 09:00-18:00").contains(datetime(2024, 5, 3, 10))


@pytest.mark.parametrize(
    "window",
    [
        TimeWindow(WeeklyHours(frozenset({0, 1, 2, 3, 4}), 9 * 60, 18 * 60), zone="Asia/Tokyo"),
        TimeWindow(WeeklyHours(frozenset({4}), 22 * 60, 6 * 60), zone="Europe/London", negated=True),
        TimeWindow(ClockPattern("2[0-9]:.*:.* (Sat|Sun)"), zone="America/New_York"),
    ],
)
def test_a_window_survives_a_record_round_trip(window: TimeWindow) -> None:
    assert TimeWindow.from_record(window.to_record()) == window


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"kind": "monthly", "zone": "UTC", "negated": False}, "kind 'monthly'"),
        ({"kind": "ims", "zone": "UTC", "negated": False}, "needs exactly the fields kind, negated, regex, zone"),
        ({"kind": "ims", "regex": 7, "zone": "UTC", "negated": False}, "regex must be text"),
        ({"kind": "ims", "regex": "x", "zone": "UTC", "negated": "no"}, "true/false negated"),
        (
            {"kind": "weekly", "days": [], "start": "09:00", "end": "10:00", "zone": "UTC", "negated": False},
            "days must be a list of day names",
        ),
        (
            {"kind": "weekly", "days": ["mon"], "start": 540, "end": "10:00", "zone": "UTC", "negated": False},
            "start and end must be HH:MM text",
        ),
        (
            {"kind": "weekly", "days": ["mon"], "start": "09:00", "end": "10:00", "zone": "Mars/Base",
             "negated": False},
            'unknown time zone "Mars/Base"',
        ),
    ],
)
def test_a_malformed_window_record_is_refused(record: dict[str, object], problem: str) -> None:
    with pytest.raises(RuleError) as error:
        TimeWindow.from_record(record)
    assert problem in str(error.value)
