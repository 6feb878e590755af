"""Incident history: MTTA and MTTR over the last 30 and 90 days, by severity.

MTTA is the mean time from declaring to acknowledging; MTTR from declaring to resolving. An incident
counts in a window when it was declared within it; one not yet acknowledged (or resolved) is left out of
that mean and counted as pending, so an open incident never makes the figures look better than they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from klaxon.commands.durations import DurationError, parse_duration
from klaxon.incidents.model import Incident, IncidentError, Severity
from klaxon.incidents.ports import IncidentRepository

WINDOWS = (timedelta(days=30), timedelta(days=90))
DEFAULT_SPAN = timedelta(days=30)
HISTORY_USAGE = "list [open|closed] [last 30d]"


@dataclass(frozen=True)
class Figures:
    """The means of one group of incidents (None where no incident has the moment yet)."""

    count: int
    mtta: timedelta | None
    mttr: timedelta | None
    unacknowledged: int
    unresolved: int


@dataclass(frozen=True)
class WindowFigures:
    """One window's figures: all incidents, and per severity (None: severity not set)."""

    days: int
    overall: Figures
    by_severity: dict[Severity | None, Figures]


def figures(incidents: Iterable[Incident]) -> Figures:
    """Count, MTTA, MTTR and what is pending for a group of incidents."""
    group = list(incidents)
    acknowledged = [i.time_to_acknowledge for i in group if i.time_to_acknowledge is not None]
    resolved = [i.time_to_resolve for i in group if i.time_to_resolve is not None]
    return Figures(count=len(group), mtta=_mean(acknowledged), mttr=_mean(resolved),
                   unacknowledged=len(group) - len(acknowledged), unresolved=len(group) - len(resolved))


def by_window(incidents: Iterable[Incident], now: datetime) -> list[WindowFigures]:
    """Figures for each of WINDOWS, overall and per severity present in the window."""
    every = list(incidents)
    result = []
    for window in WINDOWS:
        inside = [i for i in every if now - window <= i.declared_at <= now]
        severities = sorted({i.severity for i in inside}, key=lambda s: 99 if s is None else int(s))
        result.append(WindowFigures(days=window.days, overall=figures(inside),
                                    by_severity={s: figures(i for i in inside if i.severity is s)
                                                 for s in severities}))
    return result


def _mean(spans: list[timedelta]) -> timedelta | None:
    return sum(spans, timedelta()) / len(spans) if spans else None


class Standing(StrEnum):
    """Which incidents a list shows: `open` ones are still worked on (investigating, identified, monitoring);
    `closed` ones are over (resolved or closed)."""

    OPEN = "open"
    CLOSED = "closed"

    def holds(self, incident: Incident) -> bool:
        return incident.status.is_open is (self is Standing.OPEN)


@dataclass(frozen=True)
class HistoryQuery:
    """`list [open|closed] [last 30d]`: which incidents, declared how far back (30 days unless said)."""

    standing: Standing | None = None
    span: timedelta = DEFAULT_SPAN


@dataclass(frozen=True)
class History:
    """The incidents a query asked for (newest first) and the MTTA/MTTR of the last 30 and 90 days."""

    query: HistoryQuery
    incidents: tuple[Incident, ...]
    windows: tuple[WindowFigures, ...]
    now: datetime


def parse_history_query(text: str) -> HistoryQuery:
    """The words after `list`: `open` or `closed`, then `last <duration>` (s, m, h, d, up to 366d), each
    optional; IncidentError naming the problem otherwise."""
    words = text.lower().split()
    standing = None
    if words and words[0] in tuple(Standing):
        standing = Standing(words.pop(0))
    span = DEFAULT_SPAN
    if words[:1] == ["last"] and len(words) == 2:
        try:
            span = timedelta(seconds=parse_duration(words[1]))
        except DurationError as problem:
            raise IncidentError(f"{problem}: `{HISTORY_USAGE}`") from None
        words = []
    if words:
        raise IncidentError(f"`{' '.join(words)[:40]}` is not understood here: `{HISTORY_USAGE}`, "
                            "e.g. `list open` or `list closed last 90d`")
    return HistoryQuery(standing, span)


def history(query: HistoryQuery, incidents: IncidentRepository, now: datetime) -> History:
    """What a query shows, from one read of the history index (as far back as the longer of the query's span
    and the 90-day window)."""
    since = now - max(query.span, *WINDOWS)
    declared = incidents.declared_since(since)
    shown = [incident for incident in declared if incident.declared_at >= now - query.span
             and (query.standing is None or query.standing.holds(incident))]
    return History(query=query, incidents=tuple(shown), windows=tuple(by_window(declared, now)), now=now)
