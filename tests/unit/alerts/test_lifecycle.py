"""The life of a monitoring source's alert, decided event by event (klaxon.lifecycle.decide)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.lifecycle import AlertStanding, Change, SourceState, decide, external_alert_id

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)
FIRING, RESOLVED = ExternalStatus.FIRING, ExternalStatus.RESOLVED


def event(status: ExternalStatus = FIRING) -> ExternalEvent:
    return ExternalEvent("generic", "checkout-latency", status, "checkout p99 above 2s")


def state(status: ExternalStatus = FIRING, minutes: float = 0, occurrence: int = 1, alert: bool = True) -> SourceState:
    return SourceState("generic", "checkout-latency", status, T0 + timedelta(minutes=minutes),
                       alert_id=external_alert_id("generic", "checkout-latency", occurrence) if alert else None,
                       occurrence=occurrence, version=3)


OPEN = AlertStanding(resolved_at=None)


def resolved(minutes: float) -> AlertStanding:
    return AlertStanding(resolved_at=T0 + timedelta(minutes=minutes))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize("stored, alert, status, when, change", [
    (None, None, FIRING, 0, Change.NEW),
    (state(), OPEN, FIRING, 1, Change.REPEAT),
    (state(), OPEN, FIRING, 0, Change.REPEAT),  # the same moment again: a source's repeat notification
    (state(minutes=5), OPEN, FIRING, 4, Change.STALE),
    (state(), OPEN, RESOLVED, 2, Change.RESOLVE),
    (state(minutes=5), OPEN, RESOLVED, 4, Change.STALE),
    (None, None, RESOLVED, 0, Change.KEPT),
    (state(RESOLVED, minutes=10, occurrence=0, alert=False), None, FIRING, 9, Change.STALE),
    (state(RESOLVED, minutes=10, occurrence=0, alert=False), None, FIRING, 11, Change.NEW),
    (state(RESOLVED, minutes=2), resolved(2), FIRING, 5, Change.REOPEN),
    (state(RESOLVED, minutes=2), resolved(2), FIRING, 12, Change.REOPEN),  # the window's last moment
    (state(RESOLVED, minutes=2), resolved(2), FIRING, 12.01, Change.NEW),
    (state(RESOLVED, minutes=2), resolved(2), RESOLVED, 3, Change.ALREADY_RESOLVED),
    (state(minutes=1), resolved(3), FIRING, 2, Change.STALE),  # a person resolved it after this firing
    (state(minutes=1), resolved(3), FIRING, 4, Change.REOPEN),  # …and it fires again after that
    (state(), None, FIRING, 1, Change.NEW),  # its alert is gone (never recorded): raise it again
])
def test_each_event_is_decided_against_what_is_stored(stored, alert, status, when, change):
    assert decide(stored, alert, event(status), at(when), WINDOW).change is change


def test_a_new_alert_is_the_keys_next_occurrence_and_keeps_the_version_read():
    after = decide(state(RESOLVED, minutes=2, occurrence=4), resolved(2), event(), at(30), WINDOW)
    assert after.change is Change.NEW and after.state.occurrence == 5 and after.state.version == 3
    assert after.alert_id == external_alert_id("generic", "checkout-latency", 5) != state(occurrence=4).alert_id


def test_a_kept_resolve_remembers_the_time_and_no_alert():
    kept = decide(None, None, event(RESOLVED), at(7), WINDOW)
    assert kept.state == SourceState("generic", "checkout-latency", RESOLVED, at(7), alert_id=None, occurrence=0)


def test_a_stale_event_leaves_the_state_as_it_was():
    stored = state(minutes=5)
    assert decide(stored, OPEN, event(RESOLVED), at(1), WINDOW).state is stored


def test_repeat_reopen_and_resolve_move_the_state_to_the_event():
    assert decide(state(), OPEN, event(), at(3), WINDOW).state == replace(state(), occurred_at=at(3))
    reopened = decide(state(RESOLVED, minutes=2), resolved(2), event(), at(5), WINDOW).state
    assert reopened.status is FIRING and reopened.occurred_at == at(5) and reopened.occurrence == 1
    assert decide(state(), OPEN, event(RESOLVED), at(4), WINDOW).state.status is RESOLVED


def test_alert_ids_name_the_source_the_key_and_the_occurrence():
    alert_id = external_alert_id("generic", "checkout-latency", 2)
    source, key, occurrence = alert_id.split(":")
    assert (source, len(key), occurrence) == ("generic", 24, "2")
    assert external_alert_id("generic", "other", 2) != alert_id
