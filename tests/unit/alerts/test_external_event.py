"""The event every monitoring source is parsed into."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from klaxon.alerts.external import MAX_DEDUP_KEY_CHARS, ExternalEvent, ExternalStatus


def event(**overrides: object) -> ExternalEvent:
    values: dict[str, object] = {"source": "generic", "dedup_key": "checkout-latency",
                                 "status": ExternalStatus.FIRING, "title": "checkout p99 above 2s"}
    return ExternalEvent(**{**values, **overrides})  # type: ignore[arg-type]


def test_a_resolve_says_so() -> None:
    assert event(status=ExternalStatus.RESOLVED).is_resolved
    assert not event().is_resolved


@pytest.mark.parametrize("bad", [{"source": ""}, {"dedup_key": ""}, {"dedup_key": "k" * (MAX_DEDUP_KEY_CHARS + 1)},
                                 {"occurred_at": datetime(2026, 11, 29, 10, 0)}])
def test_an_event_that_cannot_identify_its_alert_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        event(**bad)


def test_the_source_time_is_kept_with_its_zone() -> None:
    moment = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert event(occurred_at=moment).occurred_at == moment
