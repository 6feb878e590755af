"""Slack's Web API rate limits: a budget per method per workspace, on the emulator's own clock.

Slack evaluates "per API method per app per workspace" in per-minute windows and publishes a tier
per method (https://docs.slack.dev/apis/web-api/rate-limits, and each method page's "Rate limits"):

    Tier 1   1+ per minute    "a small amount of burst behavior is tolerated"
    Tier 2  20+ per minute    "occasional bursts of more requests"
    Tier 3  50+ per minute    "sporadic bursts are welcome"
    Tier 4 100+ per minute    "generous burst behavior"
    Special                   chat.postMessage: about 1 message per second per channel, short bursts
                              allowed, under a workspace-wide limit of several hundred a minute;
                              auth.test and chat.getPermalink: hundreds per minute.

Slack does not publish burst sizes, so each budget is a token bucket: `burst` calls may be made at
once, and the bucket refills at the tier's rate (tiers 2-4 may spend a minute's budget at once). An
over-budget call gets HTTP 429, `{"ok": false, "error": "ratelimited"}` and `Retry-After`: the whole
seconds until the bucket holds a call again. Calls refused do not count against the budget.

Off by default, so tests that do not care keep their speed; on per emulator (`SlackEmulator(…,
rate_limits=True)`, `--rate-limits`, or `Workspace.rate_limits(True)` through the control API).
The clock is injectable: a benchmark can drive a `ManualClock` instead of waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Clock = Callable[[], float]  # seconds on a monotonic scale


@dataclass(frozen=True)
class Budget:
    """A sustained rate and how many calls may come at once."""

    per_minute: float
    burst: int


TIER_1 = Budget(per_minute=1, burst=2)
TIER_2 = Budget(per_minute=20, burst=20)
TIER_3 = Budget(per_minute=50, burst=50)
TIER_4 = Budget(per_minute=100, burst=100)
# "This method allows hundreds of requests per minute" (auth.test, chat.getPermalink).
HUNDREDS = Budget(per_minute=600, burst=600)
# chat.postMessage: 1 per second per channel with short bursts, and several hundred a minute in all.
POST_PER_CHANNEL = Budget(per_minute=60, burst=5)
POST_PER_WORKSPACE = Budget(per_minute=300, burst=300)

POST_MESSAGE = "chat.postMessage"

# Every method the emulator implements (and so every method Klaxon calls), from each method's page
# on docs.slack.dev ("Facts: Rate limits"); conversations.history/replies are Tier 3 for
# Marketplace and internal apps (commercially distributed non-Marketplace apps get 1 a minute).
METHOD_BUDGETS: Mapping[str, Budget] = {
    "apps.connections.open": TIER_1,
    "bookmarks.add": TIER_2,
    "bookmarks.list": TIER_3,
    "bookmarks.remove": TIER_2,
    "conversations.rename": TIER_2,
    "files.completeUploadExternal": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "auth.test": HUNDREDS,
    "chat.delete": TIER_3,
    "chat.getPermalink": HUNDREDS,
    "chat.postEphemeral": TIER_4,
    POST_MESSAGE: POST_PER_WORKSPACE,  # and POST_PER_CHANNEL per channel
    "chat.update": TIER_3,
    "conversations.archive": TIER_2,
    "conversations.create": TIER_2,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.invite": TIER_3,
    "conversations.join": TIER_3,
    "conversations.list": TIER_2,
    "conversations.members": TIER_4,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.setPurpose": TIER_2,
    "conversations.setTopic": TIER_2,
    "pins.add": TIER_2,
    "pins.list": TIER_2,
    "pins.remove": TIER_2,
    "reactions.add": TIER_3,
    "reactions.get": TIER_3,
    "reactions.remove": TIER_2,
    "team.info": TIER_3,
    "usergroups.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "users.conversations": TIER_3,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "users.lookupByEmail": TIER_3,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.update": TIER_4,
}
# A method missing from the table is held to Tier 2, where "most methods" are.
DEFAULT_BUDGET = TIER_2


class ManualClock:
    """A clock that moves only when told: `clock()` is now, `clock.advance(seconds)` moves it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class _Bucket:
    def __init__(self, budget: Budget, now: float) -> None:
        self._budget = budget
        self._tokens = float(budget.burst)
        self._updated = now

    def wait(self, now: float) -> float:
        """Seconds until this bucket holds a call (0 when it holds one now)."""
        rate = self._budget.per_minute / 60
        self._tokens = min(float(self._budget.burst), self._tokens + (now - self._updated) * rate)
        self._updated = now
        # A hair of tolerance: a caller that waited exactly Retry-After must get through.
        return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / rate

    def take(self) -> None:
        self._tokens -= 1


class RateLimits:
    """The workspace's buckets, keyed by method (and channel, for chat.postMessage)."""

    def __init__(self, workspace: str, clock: Clock = time.monotonic, *, enabled: bool = False) -> None:
        self.workspace = workspace
        self.enabled = enabled
        self._clock = clock
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, method: str, args: Mapping[str, Any], channel_id: Callable[[str], str] = str) -> int | None:
        """Count one call of `method`; None when it is within budget, else its `Retry-After` (s, >= 1).

        `channel_id` turns the `channel` argument of chat.postMessage (an id, `#name` or user id)
        into the conversation it posts to, so one channel has one budget however it is named.
        """
        if not self.enabled:
            return None
        keys = [(self.workspace, method)]
        if method == POST_MESSAGE:
            keys.append((self.workspace, method, channel_id(str(args.get("channel") or ""))))
        with self._lock:
            now = self._clock()
            buckets = [self._bucket(key, now) for key in keys]
            wait = max(bucket.wait(now) for bucket in buckets)
            if wait > 0:
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.take()
            return None

    def reset(self) -> None:
        """Full buckets again (a fresh workspace); on or off stays as it was."""
        with self._lock:
            self._buckets.clear()

    def _bucket(self, key: tuple[str, ...], now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            budget = POST_PER_CHANNEL if len(key) == 3 else METHOD_BUDGETS.get(key[1], DEFAULT_BUDGET)
            bucket = self._buckets[key] = _Bucket(budget, now)
        return bucket
