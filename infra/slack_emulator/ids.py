"""Slack-looking identifiers and message timestamps."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from collections.abc import Iterator


class IdFactory:
    """Deterministic ids per prefix: `U00000001`, `C00000001`, `Ev00000001`…"""

    def __init__(self) -> None:
        self._counters: defaultdict[str, Iterator[int]] = defaultdict(lambda: itertools.count(1))
        self._lock = threading.Lock()

    def next(self, prefix: str) -> str:
        """The next id with this prefix."""
        with self._lock:
            return f"{prefix}{next(self._counters[prefix]):08d}"


class TsClock:
    """Message timestamps from real time, strictly increasing like Slack's `ts` within a channel."""

    def __init__(self) -> None:
        self._last_micros = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        """A fresh `"1700000000.000100"`-style timestamp, later than every earlier one."""
        with self._lock:
            self._last_micros = max(time.time_ns() // 1000, self._last_micros + 1)
            seconds, micros = divmod(self._last_micros, 1_000_000)
            return f"{seconds}.{micros:06d}"

