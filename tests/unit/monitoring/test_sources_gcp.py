"""GCP Cloud Monitoring webhooks (schema 1.2 and 1.1) into external events, with GCP's own test payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from klaxon.alerts.external import ExternalStatus
from klaxon.monitoring.payloads import PayloadError
from klaxon.monitoring.sources import gcp
from tests.payloads import fixture


def one(name: str) -> Any:
    [event] = gcp.parse(fixture(f"monitoring/{name}"))
    return event


def test_an_uptime_check_failing_names_the_checked_host() -> None:
    event = one("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json")
    assert (event.source, event.dedup_key, event.status) == ("gcp", "0.ligwyr056k2l", ExternalStatus.FIRING)
    assert event.host == "MYHOST"
    assert event.title == "api - noc - users: Uptime Health Check on api-noc-users"
    assert "is failing" in event.text
    assert event.occurred_at == datetime.fromtimestamp(1579559444, UTC)
    assert event.link and event.link.startswith("https://app.google.stackdriver.com/incidents/0.ligwyr056k2l")
    assert event.labels["resource_type"] == "uptime_url"


def test_the_same_uptime_check_recovering_resolves_the_same_alert_at_its_end() -> None:
    opened = one("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json")
    closed = one("Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_closed.json")
    assert closed.dedup_key == opened.dedup_key
    assert closed.status is ExternalStatus.RESOLVED
    assert closed.host == "MYHOST"
    assert closed.occurred_at is not None and opened.occurred_at is not None
    assert closed.occurred_at > opened.occurred_at


def test_a_metric_incident_names_the_resource_without_gcp_s_label_dump() -> None:
    event = one("gcp_cloud_monitoring_webhook_v1.2_incident_closed.json")
    assert event.status is ExternalStatus.RESOLVED
    assert event.host == "bing-tf-test"
    assert event.labels["project_id"] == "bing-tf-test"
    assert event.occurred_at == datetime.fromtimestamp(1621359336, UTC)


def test_a_metric_threshold_keeps_the_policy_documentation_in_the_text() -> None:
    event = one("cloudforet-mon-webhook_gcp_webhook_v1.2_metric_threshold_open.json")
    assert event.dedup_key == "0.mtdi83m6w8ao"
    assert "Server High CPU Usage" in event.text
    assert event.title == "choonho-server-cpu-alert-policy-test: VM Instance - CPU utilization"


def test_schema_1_1_is_read_too() -> None:
    event = one("gcp_stackdriver_webhook_v1.1_open_alerta_test.json")
    assert (event.dedup_key, event.host) == ("f2e08c333dc64cb09f75eaab355393bz", "webserver-85")


@pytest.mark.parametrize(("word", "expected"), [("CRITICAL", "critical"), ("Error", "major"), ("Warning", "minor"),
                                                ("No severity", None)])
def test_gcp_severities_map_onto_klaxon_s(word: str, expected: str | None) -> None:
    payload = fixture("monitoring/Agilicus-stackdriver-google-chat_gcp_webhook_v1.2_uptime_open.json")
    payload["incident"]["severity"] = word
    [event] = gcp.parse(payload)
    assert event.severity == expected


@pytest.mark.parametrize(("body", "problem"), [
    ([], "the body: expected a JSON object"),
    ({}, "incident: Field required"),
    ({"incident": {"incident_id": "1", "state": "sleeping"}}, "incident.state"),
    ({"incident": {"incident_id": "", "state": "open"}}, "incident.incident_id"),
    ({"incident": {"state": "open"}}, "incident.incident_id: Field required"),
])
def test_what_is_not_a_gcp_notification_is_refused_naming_the_problem(body: Any, problem: str) -> None:
    with pytest.raises(PayloadError, match="GCP") as refused:
        gcp.parse(body)
    assert problem in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("started_at", [1_732_000_000_000, 10**20])  # milliseconds sent as seconds; absurd
def test_a_start_time_past_what_a_datetime_holds_is_no_time_so_the_arrival_dates_it(started_at: int) -> None:
    # datetime.fromtimestamp raised, and the request was answered 500.
    payload = {"incident": {"incident_id": "0.abc", "state": "open", "started_at": started_at}}
    [event] = gcp.parse(payload)
    assert event.status is ExternalStatus.FIRING and event.occurred_at is None
