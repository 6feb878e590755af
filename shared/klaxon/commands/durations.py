"""Durations as people type them in commands: `90s`, `5m`, `2h`, `1d`, and combined such as `1h30m`."""

import re

from klaxon.rules.patterns import quote

UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
MAX_DURATION_SECONDS = 366 * 86_400  # longer than anything on-call means; keeps datetime arithmetic safe
# An amount with more significant digits than the limit has seconds is over it in any unit: it is refused unread,
# since int() refuses text of more than 4,300 digits with a ValueError that is no DurationError.
_MAX_AMOUNT_DIGITS = len(str(MAX_DURATION_SECONDS))

# Units largest first, each at most once: `1h30m`, not `30m1h` or `1h1h`.
_DURATION = re.compile(r"(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?")
_EXAMPLES = "such as 90s, 5m, 2h, 1d or 1h30m"


class DurationError(ValueError):
    """Text that is not a positive duration; the message names it and shows the right form."""


def parse_duration(text: str) -> int:
    """Seconds in a positive duration such as `90s`, `5m`, `2h`, `1d` or `1h30m` (units in any case)."""
    word = text.strip().lower()
    if word.startswith("-"):
        raise DurationError(f'duration "{quote(text)}" is negative; durations are positive, {_EXAMPLES}')
    if word.isascii() and word.isdecimal():
        raise DurationError(f'duration "{quote(text)}" needs a unit (s, m, h or d), {_EXAMPLES}')
    parts = _DURATION.fullmatch(word)
    if not word or parts is None:
        raise DurationError(f'"{quote(text)}" is not a duration; write one {_EXAMPLES}')
    if any(amount and len(amount.lstrip("0")) > _MAX_AMOUNT_DIGITS for amount in parts.groups()):
        raise DurationError(f'duration "{quote(text)}" is longer than the limit of {MAX_DURATION_SECONDS // 86_400}d')
    amounts = zip(parts.groups(), UNIT_SECONDS.values(), strict=True)
    seconds = sum(int(amount) * unit for amount, unit in amounts if amount)
    if seconds == 0:
        raise DurationError(f'duration "{quote(text)}" is zero; durations are positive, {_EXAMPLES}')
    if seconds > MAX_DURATION_SECONDS:
        raise DurationError(f'duration "{quote(text)}" is longer than the limit of {MAX_DURATION_SECONDS // 86_400}d')
    return seconds


def format_duration(seconds: int) -> str:
    """The way people write it back: 90 → `1m30s`, 3600 → `1h`, 0 → `0s`."""
    if seconds <= 0:
        return "0s"
    parts, rest = [], seconds
    for unit, size in UNIT_SECONDS.items():
        amount, rest = divmod(rest, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
