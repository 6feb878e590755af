"""The life of an alert from a monitoring source (SPEC §5): fire, repeat, resolve, fire again.

A source names its alert with a dedup key and tells Klaxon, event by event, whether it is firing or
resolved. Deliveries come late, twice and out of order, so Klaxon keeps one small state per
(source, dedup key) - the alert it raised and the time of the latest event applied - and decides each
event against it:

- firing, unknown key (or a key whose last alert is long resolved): a new alert;
- firing while its alert is open: a repeat, counted into that alert (one post, updated);
- firing within the grouping window after its alert was resolved: the same alert, reopened
  (no new post, no new page);
- resolved: the alert is resolved, and its post says the source resolved it;
- resolved for a key Klaxon never raised: remembered, nothing posted - so a late, older firing is ignored;
- anything older than the latest event applied (or than the alert's resolution): changes nothing;
- firing for a key whose alert a silence kept quiet, once no silence covers it: a new alert, posted (the
  silent one stays as the record of what the silence held back).

`decide` is pure; the store applies its transition with conditional writes on the state's version, and
decides again if another delivery got there first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from klaxon.alerts.external import ExternalEvent, ExternalStatus

ALERT_KEY_CHARS = 24  # of the dedup key's SHA-256 in an alert id: 96 bits, no collision in any source's life


class Change(StrEnum):
    """What one event did."""

    NEW = "new"  # a new alert (the key's next occurrence): post it
    REPEAT = "repeat"  # counted into the key's open alert: update its post
    REOPEN = "reopen"  # its alert fired again shortly after it was resolved: update its post
    RESOLVE = "resolve"  # the source resolved its alert: update its post, stop its page
    KEPT = "kept"  # a resolve for a key Klaxon has no alert for: remembered, nothing posted
    ALREADY_RESOLVED = "already_resolved"  # a resolve for an alert already resolved
    STALE = "stale"  # older than what is stored: nothing changed


@dataclass(frozen=True)
class SourceState:
    """What Klaxon knows of one (source, dedup key): its current alert and the latest event applied.

    `occurrence` counts the alerts the key has raised (its alert ids end with it); `version` is the
    version read (0: never stored), which every write bumps on the condition that it is still the one
    read, so two deliveries racing on one key are applied one after the other.
    """

    source: str
    dedup_key: str
    status: ExternalStatus
    occurred_at: datetime
    alert_id: str | None = None
    occurrence: int = 0
    version: int = 0
    seen: int = 0  # firings counted into the current alert (its count): a repeat adds one, without a transaction


@dataclass(frozen=True)
class Transition:
    """One event's change, and the state to store for it (the same state for STALE)."""

    change: Change
    state: SourceState

    @property
    def alert_id(self) -> str | None:
        return self.state.alert_id


@dataclass(frozen=True)
class AlertStanding:
    """What `decide` needs of the key's current alert: whether it still exists, when it was resolved, and
    whether a silence kept it quiet."""

    resolved_at: datetime | None
    silenced: bool = False


def decide(state: SourceState | None, alert: AlertStanding | None, event: ExternalEvent, at: datetime,
           window: timedelta, silenced: bool = False) -> Transition:
    """The transition `event`, which happened `at`, makes from `state` (None: a key never seen).

    `alert` is the state's alert as stored now (None if there is none); `window` is the grouping window
    within which a firing after a resolve reopens the alert instead of raising a new one; `silenced` says
    whether a silence covers the alert this event would raise, judged now.
    """
    resolved_at = alert.resolved_at if alert else None
    if state is not None and (at < state.occurred_at or (resolved_at is not None and at < resolved_at)):
        return Transition(Change.STALE, state)
    if event.is_resolved:
        return _resolved(state, alert, event, at)
    return _firing(state, alert, event, at, window, silenced)


def _firing(state: SourceState | None, alert: AlertStanding | None, event: ExternalEvent, at: datetime,
            window: timedelta, silenced: bool) -> Transition:
    if state is None or state.alert_id is None or alert is None or (alert.silenced and not silenced):
        return _new(state, event, at)
    moved = replace(state, status=ExternalStatus.FIRING, occurred_at=at)
    if alert.resolved_at is None:
        return Transition(Change.REPEAT, moved)
    if at - alert.resolved_at <= window:
        return Transition(Change.REOPEN, moved)
    return _new(state, event, at)


def _resolved(state: SourceState | None, alert: AlertStanding | None, event: ExternalEvent,
              at: datetime) -> Transition:
    if state is None or state.alert_id is None or alert is None:
        return _kept(state, event, at)
    moved = replace(state, status=ExternalStatus.RESOLVED, occurred_at=at)
    if alert.resolved_at is not None:
        return Transition(Change.ALREADY_RESOLVED, moved)
    return Transition(Change.RESOLVE, moved)


def _new(state: SourceState | None, event: ExternalEvent, at: datetime) -> Transition:
    occurrence = (state.occurrence if state else 0) + 1
    return Transition(Change.NEW, SourceState(
        source=event.source, dedup_key=event.dedup_key, status=ExternalStatus.FIRING, occurred_at=at,
        alert_id=external_alert_id(event.source, event.dedup_key, occurrence), occurrence=occurrence,
        version=state.version if state else 0))


def _kept(state: SourceState | None, event: ExternalEvent, at: datetime) -> Transition:
    kept = SourceState(source=event.source, dedup_key=event.dedup_key, status=ExternalStatus.RESOLVED,
                       occurred_at=at, alert_id=None, occurrence=state.occurrence if state else 0,
                       version=state.version if state else 0)
    return Transition(Change.KEPT, kept)


def key_hash(dedup_key: str) -> str:
    """The dedup key's SHA-256 in hex: keys are the source's (up to 1,024 characters of anything)."""
    return hashlib.sha256(dedup_key.encode("utf-8", errors="replace")).hexdigest()


def external_alert_id(source: str, dedup_key: str, occurrence: int) -> str:
    """`generic:9f86d081884c7d659a2feaa0:2`: the source, its key (hashed) and which of the key's alerts."""
    return f"{source}:{key_hash(dedup_key)[:ALERT_KEY_CHARS]}:{occurrence}"
