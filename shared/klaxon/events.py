"""Domain events: what happened to alerts and pages, for the features that react to it.

A feature publishes an event after its own change is stored; the message bus (klaxon.messagebus) hands it
to the subscribers wired in klaxon.bootstrap. So "an alert was acknowledged → its page stops → (later)
the incident timeline notes it" is a list of subscribers, not a chain of calls between features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from klaxon.alerts.model import Alert
from klaxon.paging.policies import Page


class Event:
    """Something that happened, told to whoever subscribed to its type."""


@dataclass(frozen=True)
class AlertRaised(Event):
    """A new alert was recorded (and posted, unless a silence kept it quiet)."""

    alert: Alert


@dataclass(frozen=True)
class AlertRepeated(Event):
    """A repeat of an alert was counted into it (the grouping window, or its source's key firing again)."""

    alert: Alert


@dataclass(frozen=True)
class AlertAcknowledged(Event):
    """Someone acknowledged an alert: a handled reaction, its button, or the button of its page."""

    alert: Alert
    by: str
    at: datetime


@dataclass(frozen=True)
class AlertResolved(Event):
    """An alert was resolved: by a person (`by` a user id), or by its monitoring source (`by` webhook:<source>)."""

    alert: Alert
    by: str
    at: datetime


@dataclass(frozen=True)
class AlertReopened(Event):
    """A resolved alert fired again within the grouping window: the same alert is open again."""

    alert: Alert


@dataclass(frozen=True)
class PageStarted(Event):
    """A page started and notified its first level."""

    page: Page


@dataclass(frozen=True)
class LevelNotified(Event):
    """One step of a page told its level (the first step too): `people` got a direct message."""

    page: Page
    step: int
    people: tuple[str, ...]


@dataclass(frozen=True)
class PageAcknowledged(Event):
    """Someone acknowledged a page: escalation stopped."""

    page: Page
    by: str
    at: datetime


@dataclass(frozen=True)
class PageEnded(Event):
    """Every level and repeat of a page was notified and nobody acknowledged: the page was dropped."""

    page: Page


type Publish = Callable[[Event], None]
"""How a feature tells the others: `MessageBus.publish` in the functions, a list's append in some tests."""
