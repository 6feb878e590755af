"""The generic source: SPEC §5's JSON mapped onto an ExternalEvent, and the route's answers in-process
(the same resolver the webhooks function serves, with a stand-in for the secret and the intake)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from klaxon.alerts.external import ExternalStatus, Severity
from klaxon.monitoring.generic import GenericAlert, to_event
from tests import webhooks
from tests.webhooks import request


def serve(event: dict, secret: str | None = "s3cret") -> tuple[int, dict, list]:
    served = webhooks.serve(event, {"generic": secret} if secret else {})
    return served.status, served.answer, served.taken


def test_the_json_becomes_one_event_with_every_field():
    alert = GenericAlert.model_validate_json(json.dumps({
        "title": "checkout p99 above 2s", "status": "resolved", "dedup_key": "checkout-latency", "text": "2.4s",
        "severity": "major", "link": "https://grafana.example.com/d/1?x=1", "host": "api-3",
        "labels": {"team": "payments"}, "occurred_at": "2026-11-29T10:00:00+09:00"}))
    event = to_event(alert)
    assert (event.source, event.dedup_key, event.status, event.severity) == (
        "generic", "checkout-latency", ExternalStatus.RESOLVED, Severity.MAJOR)
    assert event.link == "https://grafana.example.com/d/1?x=1" and event.host == "api-3"
    assert event.labels == {"team": "payments"} and event.occurred_at == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert event.matched_text == "checkout p99 above 2s\n2.4s\nteam=payments"


def test_without_a_dedup_key_titles_that_differ_only_in_numbers_and_ids_are_one_alert():
    first = to_event(GenericAlert(title="disk 91% on db7 at 10:02"))
    again = to_event(GenericAlert(title="Disk 97% on db7 at 10:09"))
    other = to_event(GenericAlert(title="disk 91% on db8 at 10:02"))
    assert first.dedup_key == again.dedup_key != other.dedup_key
    assert first.status is ExternalStatus.FIRING and first.occurred_at is None


def test_a_title_whose_masking_outgrows_a_dedup_key_is_cut_to_fit():
    assert len(to_event(GenericAlert(title="1 " * 250)).dedup_key) == 1024


def test_a_source_without_a_secret_accepts_nothing():
    status, answer, taken = serve(request("/webhooks/generic", '{"title": "x"}'), secret=None)
    assert status == 401 and "has no secret set" in answer["error"] and taken == []


def test_a_base64_body_is_read_as_api_gateway_sends_binary_content():
    status, answer, taken = serve(request("/webhooks/generic", '{"title": "disk full"}', encoded=True))
    assert status == 200 and [e.title for e in taken] == ["disk full"]


@pytest.mark.parametrize("authorization", ["Bearer s3cret", "bearer s3cret", "Bearer  s3cret "])
def test_the_bearer_scheme_is_read_in_any_case(authorization):
    assert serve(request("/webhooks/generic", '{"title": "x"}', authorization))[0] == 200


def test_many_problems_are_named_a_few_at_a_time():
    body = json.dumps([{"text": str(n)} for n in range(8)])
    status, answer, _ = serve(request("/webhooks/generic", body))
    assert status == 400 and answer["error"].startswith("[0].title: Field required; [1].title: Field required")
    assert answer["error"].endswith("; and 3 more")


def test_other_paths_are_not_found():
    status, answer, _ = serve(request("/nowhere", "{}"))
    assert status == 404 and answer["error"] == "nothing at /nowhere"
