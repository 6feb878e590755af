"""Domain events of declared incidents, for the features that react to them (wired in klaxon.bootstrap):
the headline redrawn, the comms channel told, the policy paged, the postmortem asked for, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from klaxon.events import Event
from klaxon.incidents.model import Incident
from klaxon.incidents.timeline import TimelineEntry


class Via(StrEnum):
    """Where a change was asked for: who saw it being asked decides who needs telling."""

    MENTION = "mention"  # `@klaxon …` in the comms channel: the channel saw it
    SLASH = "slash"  # `/incident …` in the comms channel: only the person who typed it saw it
    HEADLINE = "headline"  # a button or form of the headline post
    KLAXON = "klaxon"  # Klaxon itself: a page acknowledged, a comms channel opened


@dataclass(frozen=True)
class IncidentDeclared(Event):
    """An incident was declared (`new`), or a repeat of its declaration found it stored."""

    incident: Incident
    alert_id: str | None
    new: bool


@dataclass(frozen=True)
class IncidentChanged(Event):
    """A change was committed: the incident before and after it, who made it, how, and its timeline entries."""

    before: Incident
    after: Incident
    by: str | None  # None: Klaxon itself (a page nobody acknowledged)
    at: datetime
    via: Via
    entries: tuple[TimelineEntry, ...]
