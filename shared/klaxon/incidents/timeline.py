"""An incident's timeline: what happened, who did it, when - for the doc page and the postmortem.

Pinned messages and 📌 reactions in the comms channel add entries (unpinning or removing the reaction
takes them away again); every field change, status change, update, action and page is an entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from klaxon.alerts.gathering import truncate
from klaxon.incidents.model import Incident

MAX_ENTRY_CHARS = 3000
PIN_REACTION = "pushpin"  # 📌


class EntryKind(StrEnum):
    DECLARED = "declared"
    PIN = "pin"  # a pinned message or a 📌 reaction: the message's text
    STATUS = "status"
    FIELD = "field"  # severity, lead, role, summary, impact, rename
    UPDATE = "update"
    ACTION = "action"
    PAGE = "page"
    ALERT = "alert"


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened.

    `key` identifies the entry within its incident: pins by their message (so unpinning finds it, and a
    message pinned and 📌-reacted is one entry), everything else by time and a counter.
    """

    incident_id: str
    key: str
    at: datetime
    kind: EntryKind
    by: str | None
    text: str
    message: tuple[str, str] | None = None  # (channel, ts) for pins: the message it shows

    def __post_init__(self) -> None:
        # A long pinned message keeps its start (the entry links the message); cut where markup stays whole.
        if len(self.text) > MAX_ENTRY_CHARS:
            object.__setattr__(self, "text", truncate(self.text, MAX_ENTRY_CHARS))


def pin_key(channel: str, ts: str) -> str:
    """The key of the entry a pinned (or 📌-reacted) message makes."""
    return f"pin:{channel}:{ts}"


def entry(incident_id: str, kind: EntryKind, by: str | None, at: datetime, text: str) -> TimelineEntry:
    """An entry for a change made now; its key orders it by time (microseconds keep same-second changes apart)."""
    return TimelineEntry(incident_id=incident_id, key=f"{kind.value}:{at.isoformat()}", at=at, kind=kind, by=by,
                         text=text)


def ordered(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """Entries as the timeline shows them: by time, then by key - the declaration before what followed it in
    the same instant (its channel, its page)."""
    return sorted(entries, key=lambda e: (e.at, e.kind is not EntryKind.DECLARED, e.key))


@dataclass(frozen=True)
class IncidentRecord:
    """An incident and every entry of its timeline (in timeline order), read in one go for its doc and its
    postmortem."""

    incident: Incident
    timeline: tuple[TimelineEntry, ...]
