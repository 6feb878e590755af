"""Escalation policies and pages (SPEC §3, pokemanager): who is notified, in what order, how long apart.

A policy is an ordered list of levels; a page walks it step by step - level 1, wait, level 2, wait, …,
then from level 1 again `repeat` times - until someone acknowledges or every step is spent. A page
snapshots its policy when it starts, so editing the policy later changes no page already running.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

DEFAULT_WAIT_SECONDS = 60
MAX_REPEAT = 10
MAX_LEVELS = 10
POLICY_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_HANDLER = re.compile(r"^[UWS][A-Z0-9]{2,}$")


class PolicyError(ValueError):
    """A policy that cannot page anyone as written; the message says why."""


@dataclass(frozen=True)
class Level:
    """One level: who is notified (user ids, and user groups resolved to people when the level fires)."""

    handlers: tuple[str, ...]
    wait_seconds: int = DEFAULT_WAIT_SECONDS

    def __post_init__(self) -> None:
        if not self.handlers:
            raise PolicyError("a level needs at least one person or user group to notify")
        for handler in self.handlers:
            if not _HANDLER.match(handler):
                raise PolicyError(f"{handler!r} is not a user or user group id")
        if self.wait_seconds <= 0:
            raise PolicyError(f"a level waits a positive time before escalating, not {self.wait_seconds}s")


@dataclass(frozen=True)
class EscalationPolicy:
    name: str
    levels: tuple[Level, ...]
    repeat: int = 0  # how many more times the whole policy runs from level 1

    def __post_init__(self) -> None:
        if not POLICY_NAME.match(self.name):
            raise PolicyError(f"{self.name!r} is not a policy name (lower case letters, digits, - and _)")
        if not self.levels:
            raise PolicyError(f"policy {self.name} has no levels")
        if len(self.levels) > MAX_LEVELS:
            raise PolicyError(f"policy {self.name} has {len(self.levels)} levels; at most {MAX_LEVELS}")
        if not 0 <= self.repeat <= MAX_REPEAT:
            raise PolicyError(f"repeat is 0-{MAX_REPEAT}, not {self.repeat}")

    @property
    def steps(self) -> int:
        """How many notifications a page of this policy sends at most."""
        return len(self.levels) * (self.repeat + 1)

    def level_at(self, step: int) -> Level:
        return self.levels[step % len(self.levels)]

    def to_record(self) -> dict[str, Any]:
        return {"name": self.name, "repeat": self.repeat,
                "levels": [{"handlers": list(level.handlers), "wait_seconds": level.wait_seconds}
                           for level in self.levels]}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> EscalationPolicy:
        try:
            levels = tuple(Level(tuple(level["handlers"]), int(level.get("wait_seconds", DEFAULT_WAIT_SECONDS)))
                           for level in record["levels"])
            return cls(name=str(record["name"]), levels=levels, repeat=int(record.get("repeat", 0)))
        except (KeyError, TypeError) as error:
            raise PolicyError(f"a stored policy is missing {error}") from error


class PageState(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    EXHAUSTED = "exhausted"  # every level and repeat was notified and nobody acknowledged


@dataclass(frozen=True, order=True)
class Notification:
    """A direct message sent to one person for one step (kept so an ack can update it)."""

    step: int
    user: str
    channel: str
    ts: str


@dataclass(frozen=True)
class LevelReached:
    """Whom one step's direct messages reached (`paged`), and whom Slack would not let Klaxon message at all
    (`refused`: the person and Slack's error code - user_disabled for someone who left, cannot_dm_bot …)."""

    paged: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Page:
    """One page: what is wrong, where it started, the policy it snapshotted, and how far it got."""

    id: str
    summary: str
    channel: str  # where it started: notes go to this thread
    ts: str
    policy: EscalationPolicy
    started_at: datetime
    started_by: str | None = None
    link: str | None = None
    alert_id: str | None = None
    step: int = 0  # the next step to notify
    next_at: datetime | None = None  # when that step (or, past the last, the end) is due
    sending: int | None = None  # a step claimed whose direct messages may not all be out yet
    state: PageState = PageState.ACTIVE
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    notifications: tuple[Notification, ...] = field(default_factory=tuple)

    @property
    def is_active(self) -> bool:
        return self.state is PageState.ACTIVE

    @property
    def is_spent(self) -> bool:
        """Every step has been notified."""
        return self.step >= self.policy.steps

    def level_number(self, step: int) -> int:
        """1-based, as people count levels."""
        return step % len(self.policy.levels) + 1

    def after_notifying(self, step: int, now: datetime) -> Page:
        """The page once `step` is claimed: the next step is due after this level's wait."""
        wait = timedelta(seconds=self.policy.level_at(step).wait_seconds)
        return replace(self, step=step + 1, next_at=now + wait, sending=step)

    def told(self, now: datetime) -> Page:
        """The page once the step being sent is out (at `now`): the level's wait runs from then, so a step
        finished late - a direct message Slack refused, sent by the next sweep - keeps its whole wait."""
        assert self.sending is not None, "only a step being sent can be finished"
        return replace(self.after_notifying(self.sending, now), sending=None)


class NoPage(StrEnum):
    """Why a mention of Klaxon paged nobody (said in its thread)."""

    NOTHING_SAID = "nothing_said"  # the mention says nothing but Klaxon's name
    NOT_HERE = "not_here"  # mentions do not page from this channel (the paging-channels setting)
    NO_POLICY = "no_policy"  # the channel has no escalation policy, and there is no default


def mention_page_id(channel: str, ts: str) -> str:
    return f"mention/{channel}/{ts}"


def alert_page_id(alert_id: str) -> str:
    return f"alert/{alert_id}"


def took(started: datetime, ended: datetime) -> str:
    """A duration as people say it: `45s`, `3m 20s`, `1h 5m`."""
    seconds = max(0, int((ended - started).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {seconds}s" if seconds else f"{minutes}m"
    return f"{seconds}s"
