"""Alertmanager v4 groups into one external event per alert, with Alertmanager users' own test payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from klaxon.alerts.external import ExternalStatus, Severity
from klaxon.monitoring.payloads import PayloadError
from klaxon.monitoring.sources import alertmanager
from tests.payloads import fixture


def test_every_alert_of_a_group_is_its_own_alert_by_fingerprint() -> None:
    events = alertmanager.parse(fixture("monitoring/zulip_alertmanager_alert.json"))
    assert [e.dedup_key for e in events] == ["a1bc48475b20e73d", "c2ea85182f28cbd9"]
    assert {e.status for e in events} == {ExternalStatus.FIRING}
    first = events[0]
    assert first.title == "High CPU core temperature"
    assert first.text == "High CPU Temperature\nCPU core temperature is 34.75C"
    assert (first.host, first.severity) == ("andromeda", Severity.CRITICAL)
    assert first.occurred_at == datetime(2020, 2, 6, 0, 17, 58, 432911, tzinfo=UTC)


def test_a_resolve_without_an_end_time_is_dated_when_received() -> None:
    [event] = alertmanager.parse(fixture("monitoring/zulip_alertmanager_single_alert.json"))
    assert (event.dedup_key, event.status) == ("a1bc48475b20e73d", ExternalStatus.RESOLVED)
    assert event.occurred_at is None  # endsAt is 0001-01-01: no time


def test_an_alert_without_a_fingerprint_is_keyed_by_its_labels() -> None:
    payload = fixture("monitoring/prometheus_alertmanager_webhook_v4_alerta_test.json")
    [event] = alertmanager.parse(payload)
    [again] = alertmanager.parse(payload)
    payload["alerts"][0]["labels"]["severity"] = "warning"
    [other] = alertmanager.parse(payload)
    assert event.dedup_key == again.dedup_key != other.dedup_key


def test_alerts_without_a_status_take_the_group_s_and_the_instance_port_is_not_the_host() -> None:
    [event] = alertmanager.parse(fixture("monitoring/prometheus_alertmanager_webhook_v4_prometheus-msteams.json"))
    assert event.status is ExternalStatus.FIRING
    assert (event.host, event.service, event.severity) == ("instance-with-hyphen_and_underscore", "docker_nodes",
                                                           Severity.MINOR)
    payload = fixture("monitoring/prometheus_alertmanager_webhook_v4_prometheus-msteams.json")
    payload["alerts"][0]["labels"]["instance"] = "db-7.example.com:9100"
    assert alertmanager.parse(payload)[0].host == "db-7.example.com"


def test_a_mixed_group_updates_each_alert_its_own_way() -> None:
    payload = fixture("monitoring/zulip_alertmanager_alert.json")
    payload["alerts"].append({**payload["alerts"][0], "status": "resolved", "fingerprint": "0000000000000003",
                              "endsAt": "2020-02-06T00:30:00Z"})
    events = alertmanager.parse(payload)
    assert [(e.dedup_key, e.status) for e in events] == [
        ("a1bc48475b20e73d", ExternalStatus.FIRING), ("c2ea85182f28cbd9", ExternalStatus.FIRING),
        ("0000000000000003", ExternalStatus.RESOLVED)]
    assert events[2].occurred_at == datetime(2020, 2, 6, 0, 30, tzinfo=UTC)


def test_alerts_alertmanager_left_out_are_noted() -> None:
    payload = {**fixture("monitoring/zulip_alertmanager_alert.json"), "truncatedAlerts": 7}
    assert {e.note for e in alertmanager.parse(payload)} == {"Alertmanager left out 7 more alerts of this group"}


@pytest.mark.parametrize(("body", "problem"), [
    ("firing", "expected a JSON object"),
    ({"alerts": []}, "alerts"),
    ({"alerts": [{"status": "burning"}]}, "alerts.0.status"),
    ({"alerts": [{"status": "firing", "labels": []}]}, "alerts.0.labels"),
    ({"alerts": [{"status": "firing"}] * (alertmanager.MAX_ALERTS + 1)}, "alerts"),
    ({"alerts": [{"status": "firing", "startsAt": "yesterday"}]}, "alerts.0.startsAt"),
])
def test_what_is_not_an_alertmanager_group_is_refused_naming_the_problem(body: Any, problem: str) -> None:
    with pytest.raises(PayloadError, match="Alertmanager") as refused:
        alertmanager.parse(body)
    assert problem in str(refused.value)
