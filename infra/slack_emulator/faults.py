"""Rate limits, outages, slow answers and refusals: armed for the next calls of a method, or at a rate.

A `timeout` is Slack being slow: the call is carried out, and answered only after `delay` seconds -
after the app's client has given up - so the app cannot know whether it happened.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

ANY_METHOD = "*"
KINDS = ("429", "5xx", "timeout")


@dataclass
class Fault:
    """Answer the next `remaining` calls with HTTP `status` (429 adds `Retry-After`), or - with `error` -
    with Slack's HTTP 200 refusal `{"ok": false, "error": error, **extra}` (e.g. `missing_scope` with the
    scope it `needed`)."""

    status: int
    remaining: int
    retry_after: int = 1
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    delay: float = 0.0  # a timeout: carry the call out, answer after this many seconds

    @property
    def kind(self) -> str:
        if self.delay:
            return "timeout"
        return "refusal" if self.error else "429" if self.status == 429 else "5xx"

    def response(self) -> tuple[int, dict[str, object], dict[str, str]]:
        if self.error:
            return 200, {"ok": False, "error": self.error, **self.extra}, {}
        if self.status == 429:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)}
        return self.status, {"ok": False, "error": "service_unavailable"}, {}


@dataclass(frozen=True)
class FaultRate:
    """Every call of any method suffers a fault with probability `rate`, its kind drawn by `weights`."""

    rate: float
    weights: dict[str, float]
    retry_after: int = 1
    delay: float = 1.5
    seed: int = 7


class Faults:
    """Armed faults per method (`*` for every method), and an optional rate for every call."""

    def __init__(self) -> None:
        self._armed: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()
        self._rate: FaultRate | None = None
        self._random = random.Random()
        self.injected: dict[str, int] = {}  # by kind, for benchmarks to report

    def set_rate(self, rate: FaultRate | None) -> None:
        """Start (or, with None, stop) faults at a rate."""
        with self._lock:
            self._rate = rate
            if rate is not None:
                self._random.seed(rate.seed)

    def arm(self, method: str, status: int, count: int, retry_after: int = 1, error: str | None = None,
            extra: dict[str, object] | None = None, delay: float = 0.0) -> None:
        with self._lock:
            self._armed.setdefault(method, []).append(Fault(status, count, retry_after, error, extra or {}, delay))

    def take(self, method: str) -> Fault | None:
        """The fault this call of `method` suffers, if one is armed (using it up) or drawn at the rate."""
        with self._lock:
            fault = self._armed_fault(method) or self._drawn_fault()
            if fault is not None:
                self.injected[fault.kind] = self.injected.get(fault.kind, 0) + 1
            return fault

    def _armed_fault(self, method: str) -> Fault | None:
        for key in (method, ANY_METHOD):
            faults = self._armed.get(key, [])
            if faults:
                fault = faults[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    faults.pop(0)
                return fault
        return None

    def _drawn_fault(self) -> Fault | None:
        rate = self._rate
        if rate is None or self._random.random() >= rate.rate:
            return None
        kind = self._random.choices(list(rate.weights), weights=list(rate.weights.values()))[0]
        if kind == "429":
            return Fault(429, 1, retry_after=rate.retry_after)
        if kind == "timeout":
            return Fault(200, 1, delay=rate.delay)
        return Fault(self._random.choice((500, 502, 503)), 1)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._rate = None
            self.injected.clear()
