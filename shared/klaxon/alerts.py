"""Alerts: what Klaxon reposts to an incidents channel, and who handled them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True, order=True)
class HandledMark:
    """One sign that someone handled an alert: a handled reaction on one of its messages, or the button."""

    user: str
    via: str  # BUTTON, or reaction_via(...) for a reaction on the original or the repost
    at: datetime = field(compare=False)


class Handler(NamedTuple):
    how: str  # "resolved" or "acknowledged"
    user: str
    at: datetime


@dataclass(frozen=True)
class Alert:
    """A message (or webhook event) that a rule, or a channel's default, made an alert.

    The id is the original message's channel and ts, so a redelivered event or a racing worker finds
    the same alert instead of creating a second one.
    """

    id: str
    source_channel: str
    source_ts: str
    poster: str
    text: str
    label: str
    target_channel: str
    fingerprint: str
    first_seen: datetime
    rule_id: str | None = None
    poster_name: str = ""
    hotline: tuple[str, ...] = ()
    policy: str | None = None
    last_seen: datetime | None = None
    count: int = 1
    post_ts: str | None = None  # the repost in the target channel
    permalink: str | None = None  # a link to the original message
    marks: tuple[HandledMark, ...] = ()
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    revision: int = 0  # bumped by every change of state, so a post is never left showing an older one
    escalate_at: datetime | None = None  # its rule names a policy: page then, unless handled by then

    @property
    def state(self) -> AlertState:
        if self.resolved_by:
            return AlertState.RESOLVED
        return AlertState.ACKNOWLEDGED if self.marks else AlertState.OPEN

    @property
    def acknowledged_by(self) -> HandledMark | None:
        """The earliest mark still standing: who acknowledged it and when."""
        return min(self.marks, key=lambda mark: mark.at) if self.marks else None

    @property
    def handled_at(self) -> datetime | None:
        """When it was first acknowledged or resolved (what the verbose digest sorts by)."""
        moments = [mark.at for mark in self.marks] + ([self.resolved_at] if self.resolved_at else [])
        return min(moments) if moments else None

    def mark(self, via: str, user: str) -> HandledMark | None:
        return next((m for m in self.marks if m.via == via and m.user == user), None)

    @property
    def headline(self) -> str:
        """The first line of its text: what lists and notifications show."""
        return self.text.strip().splitlines()[0] if self.text.strip() else ""

    @property
    def handler(self) -> Handler | None:
        """Who handled it and how: the resolver if it is resolved, else the first acknowledger."""
        if self.resolved_by and self.resolved_at:
            return Handler("resolved", self.resolved_by, self.resolved_at)
        mark = self.acknowledged_by
        return Handler("acknowledged", mark.user, mark.at) if mark else None

    @property
    def seen_last(self) -> datetime:
        return self.last_seen or self.first_seen

    @property
    def is_posted(self) -> bool:
        return self.post_ts is not None

    def posted(self, post_ts: str, permalink: str | None) -> Alert:
        return replace(self, post_ts=post_ts, permalink=permalink)


def alert_id(channel: str, ts: str) -> str:
    """The id of the alert raised by the message at (channel, ts)."""
    return f"{channel}/{ts}"


BUTTON = "button"


def reaction_via(reaction: str, channel: str, ts: str) -> str:
    """How a handled reaction marks an alert: which reaction, on which of its messages."""
    return f"{reaction}@{channel}/{ts}"
