"""Time, passed in so services can be driven by a controllable clock in tests and benchmarks."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Protocol

# ASCII digits only (str.isdigit also takes `²` and `٣`, which int() refuses or reads), and few enough for
# int(): it raises on more than 4,300 digits. Twelve reach the year 33658, past any clock's.
_EPOCH_SECONDS = re.compile(r"[0-9]{1,12}")


def epoch_seconds(text: str) -> int | None:
    """A Unix time in whole seconds as a request header carries it (Slack's X-Slack-Request-Timestamp,
    https://api.slack.com/authentication/verifying-requests-from-slack; Grafana's HMAC timestamp header),
    or None when `text` is not 1-12 ASCII digits: a header anyone can send, read without raising."""
    return int(text) if _EPOCH_SECONDS.fullmatch(text) else None


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)
