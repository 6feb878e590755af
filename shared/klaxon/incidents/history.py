"""Incident history: MTTA and MTTR over the last 30 and 90 days, by severity.

MTTA is the mean time from declaring to acknowledging; MTTR from declaring to resolving. An incident
counts in a window when it was declared within it; one not yet acknowledged (or resolved) is left out of
that mean and counted as pending, so an open incident never makes the figures look better than they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from klaxon.incidents.model import Incident, Severity

WINDOWS = (timedelta(days=30), timedelta(days=90))


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
