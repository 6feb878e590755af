"""Durations in commands (`after 90s`, `ack-timeout 5m`, `digest-after 1h30m`): positive seconds, or a named error."""

import pytest

from klaxon.commands import DurationError, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("1d2h3m4s", 93784), ("5M", 300)],
)
def test_a_duration_is_read_in_seconds(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0m", 'duration "0m" is zero'),
        ("0h0m", 'duration "0h0m" is zero'),
        ("-5m", 'duration "-5m" is negative'),
        ("5", 'duration "5" needs a unit (s, m, h or d)'),
        ("5x", '"5x" is not a duration'),
        ("", '"" is not a duration'),
        ("soon", '"soon" is not a duration'),
        ("30m1h", '"30m1h" is not a duration'),  # largest unit first, as people read it
        ("1h1h", '"1h1h" is not a duration'),
        ("400d", 'duration "400d" is longer than the limit of 366d'),
    ],
)
def test_anything_but_a_positive_duration_is_refused_by_name(text: str, problem: str) -> None:
    with pytest.raises(DurationError) as error:
        parse_duration(text)
    assert str(error.value).startswith(problem)


@pytest.mark.parametrize("text", ["9" * 5000 + "s", "1" + "0" * 4400 + "d", "1h" + "9" * 20 + "m", "000000000000001d"])
def test_an_amount_of_thousands_of_digits_is_refused_by_name_not_by_a_crash(text: str) -> None:
    # int() raises a plain ValueError on more than 4,300 digits: the command died with an internal error.
    if text == "000000000000001d":
        assert parse_duration(text) == 86_400  # leading zeros are no size
        return
    with pytest.raises(DurationError) as error:
        parse_duration(text)
    assert "is longer than the limit of 366d" in str(error.value)
