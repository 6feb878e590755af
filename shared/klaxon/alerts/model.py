"""Alerts: what Klaxon reposts to an incidents channel, where each came from, and who handled them.

An alert comes from a Slack message a rule (or a channel's default) picked, or from a monitoring source's
webhook (SPEC §5). Everything after that - grouping, the post, acknowledgement, digests, paging - works on
the alert alone; only the few places that care where it came from ask its `origin`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from klaxon.alerts.external import Severity


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
    user: str  # a user id, or source_actor(...) when the monitoring source resolved it
    at: datetime


@dataclass(frozen=True)
class SlackMessageOrigin:
    """An alert raised by a message in a watched channel: which message, who posted it, and its link."""

    channel: str
    ts: str
    poster: str  # a user id, or a bot id for integrations that post without a user
    poster_name: str = ""
    bot_id: str | None = None
    permalink: str | None = None  # asked of Slack when the alert is first posted


@dataclass(frozen=True)
class ExternalOrigin:
    """An alert raised by a monitoring source's webhook: the source's own identity for it, and its details.

    `occurred_at` is the source's time of the latest event applied to the alert (SPEC §5: an event older
    than that changes nothing).
    """

    source: str
    dedup_key: str
    link: str | None = None
    host: str | None = None
    service: str | None = None
    severity: Severity | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    occurred_at: datetime | None = None

    @property
    def actor(self) -> str:
        """How the source is named where a person's id would be (a rule's poster scope, "resolved by")."""
        return source_actor(self.source)


Origin = SlackMessageOrigin | ExternalOrigin


@dataclass(frozen=True)
class Alert:
    """A message or a monitoring source's event that a rule (or a default) made an alert.

    A message alert's id is its message's channel and ts, so a redelivered event or a racing worker
    finds the same alert instead of creating a second one; an external alert's id names its source, its
    dedup key and which occurrence it is (a key that fires again long after resolving is a new alert).
    `silenced_by` names the silence that kept it from being posted or paged (it is still recorded).
    """

    id: str
    origin: Origin
    text: str
    label: str
    target_channel: str
    fingerprint: str  # what repeats share: the masked text for messages, the dedup key for external alerts
    first_seen: datetime
    rule_id: str | None = None
    hotline: tuple[str, ...] = ()
    policy: str | None = None
    last_seen: datetime | None = None
    count: int = 1
    post_ts: str | None = None  # the repost in the target channel
    marks: tuple[HandledMark, ...] = ()
    resolved_by: str | None = None  # a user id, or source_actor(...) for the monitoring source
    resolved_at: datetime | None = None
    revision: int = 0  # bumped by every change of state, so a post is never left showing an older one
    escalate_at: datetime | None = None  # its rule names a policy: page then, unless handled by then
    silenced_by: str | None = None
    # Until when its post's redraw for repeats is taken (klaxon.alerts.storms): repeats before then are counted,
    # and drawn by the next redraw.
    redraw_after: datetime | None = None

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

    @property
    def link(self) -> str | None:
        """Where the original is: the message's permalink, or the monitoring source's own page."""
        return self.origin.permalink if isinstance(self.origin, SlackMessageOrigin) else self.origin.link

    @property
    def source(self) -> str:
        """Where it came from: `slack` for a channel's message, else the monitoring source's name (gcp …)."""
        return self.origin.source if isinstance(self.origin, ExternalOrigin) else SLACK_SOURCE

    @property
    def message(self) -> SlackMessageOrigin | None:
        """The Slack message it was raised from; None for an alert from a monitoring source."""
        return self.origin if isinstance(self.origin, SlackMessageOrigin) else None

    @property
    def thread(self) -> tuple[str, str] | None:
        """Where notes about the alert go (channel, ts): its post's thread, or - while the post waits for a
        channel Klaxon cannot post in - its original message's; None for a source's alert not posted yet."""
        if self.post_ts is not None:
            return self.target_channel, self.post_ts
        message = self.message
        return (message.channel, message.ts) if message else None

    def posted(self, post_ts: str) -> Alert:
        return replace(self, post_ts=post_ts)

    def with_permalink(self, permalink: str | None) -> Alert:
        """A message alert with its original's link (no change for an external alert, whose link is the source's)."""
        message = self.message
        return replace(self, origin=replace(message, permalink=permalink)) if message else self


@dataclass(frozen=True)
class AlertListing:
    """The first alerts of a list (a digest's, a reminder's) and how many the list holds in all: the total is
    counted, not listed, so it is exact at any size while what is shown stays within Slack's limits."""

    alerts: tuple[Alert, ...] = ()
    total: int = 0

    @property
    def rest(self) -> int:
        """How many are counted but not listed ("…and 4,940 more")."""
        return max(0, self.total - len(self.alerts))


def alert_id(channel: str, ts: str) -> str:
    """The id of the alert raised by the message at (channel, ts)."""
    return f"{channel}/{ts}"


def source_actor(source: str) -> str:
    """A monitoring source as an actor: `webhook:generic` (rule poster scopes and "resolved by" use it)."""
    return f"{SOURCE_ACTOR_PREFIX}{source}"


SOURCE_ACTOR_PREFIX = "webhook:"
SLACK_SOURCE = "slack"  # the source of alerts raised from channel messages
BUTTON = "button"


def reaction_via(reaction: str, channel: str, ts: str) -> str:
    """How a handled reaction marks an alert: which reaction, on which of its messages."""
    return f"{reaction}@{channel}/{ts}"
