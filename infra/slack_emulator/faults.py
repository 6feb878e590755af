"""Rate limits, outages and refusals the control API arms for the next calls of a method."""

from __future__ import annotations

import threading
from dataclasses import dataclass

ANY_METHOD = "*"


@dataclass
class Fault:
    """Answer the next `remaining` calls with HTTP `status` (429 adds `Retry-After`), or - with `error` - with
    Slack's refusal `{"ok": false, "error": …}` (restricted_action, missing_scope …), as HTTP 200 as Slack does."""

    status: int
    remaining: int
    retry_after: int = 1
    error: str | None = None

    def response(self) -> tuple[int, dict[str, object], dict[str, str]]:
        if self.error:
            return 200, {"ok": False, "error": self.error}, {}
        if self.status == 429:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(self.retry_after)}
        return self.status, {"ok": False, "error": "service_unavailable"}, {}


class Faults:
    """Armed faults per method (`*` for every method)."""

    def __init__(self) -> None:
        self._armed: dict[str, list[Fault]] = {}
        self._lock = threading.Lock()

    def arm(self, method: str, status: int, count: int, retry_after: int = 1, error: str | None = None) -> None:
        with self._lock:
            self._armed.setdefault(method, []).append(Fault(status, count, retry_after, error))

    def take(self, method: str) -> Fault | None:
        """The fault this call of `method` suffers, if one is armed (using it up)."""
        with self._lock:
            for key in (method, ANY_METHOD):
                faults = self._armed.get(key, [])
                if faults:
                    fault = faults[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        faults.pop(0)
                    return fault
            return None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
