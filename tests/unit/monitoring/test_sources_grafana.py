"""Grafana's two webhook formats into external events, with Grafana users' own test payloads."""

from __future__ import annotations

from typing import Any

import pytest

from klaxon.alerts.external import ExternalStatus
from klaxon.monitoring.payloads import PayloadError
from klaxon.monitoring.sources import grafana
from tests.payloads import fixture


def parse(name: str) -> list[Any]:
    return grafana.parse(fixture(f"monitoring/{name}"))


def test_unified_alerting_fires_and_resolves_the_same_alert_by_fingerprint() -> None:
    [fired] = parse("zulip_grafana_alert-9.json")
    [resolved] = parse("zulip_grafana_alert-9-resolved.json")
    assert fired.dedup_key == resolved.dedup_key == "d8a21484c9c25a60"
    assert (fired.status, resolved.status) == (ExternalStatus.FIRING, ExternalStatus.RESOLVED)
    assert fired.title == "This is a summary field, failure on some_host"
    assert "var='B0'" in fired.text  # the value that fired it
    assert fired.source == "grafana"


def test_a_mixed_group_resolves_two_alerts_and_fires_one() -> None:
    events = parse("zulip_grafana_alert-9-mixed.json")
    assert [(e.dedup_key, e.status) for e in events] == [
        ("aaafafe0953f0962", ExternalStatus.RESOLVED), ("fb31814ac93dbe7d", ExternalStatus.RESOLVED),
        ("6f9cd313db421ef1", ExternalStatus.FIRING)]
    assert [e.host for e in events[:2]] == ["badhost.example.com", "otherhost.example.com"]


def test_grafana_11_links_to_the_panel_and_names_alerts_without_an_alertname_by_their_group() -> None:
    [event] = parse("zulip_grafana_alert_values_v11.json")
    assert event.link == "https://play.grafana.org/d/ece9fb32-7f71-4be9-bd94-2f23608ae5b9?orgId=1&viewPanel=2"
    [nameless] = parse("zulip_grafana_alert_no_alertname_v11.json")
    assert nameless.text.startswith("Memory (copy)")


def test_legacy_alerting_and_ok_are_one_rule_s_alert() -> None:
    [alerting] = parse("grafana_legacy_alerting_webhook_alerting.json")
    [ok] = parse("grafana_legacy_alerting_webhook_ok.json")
    assert alerting.dedup_key == ok.dedup_key
    assert (alerting.status, ok.status) == (ExternalStatus.FIRING, ExternalStatus.RESOLVED)
    assert alerting.title == "Zeta CPU alert"
    assert alerting.host == "zeta.domain"
    assert "user = 97.0076" in alerting.text


def test_legacy_no_data_fires_paused_resolves_with_a_note_and_pending_waits() -> None:
    [no_data] = parse("zulip_grafana_no_data_alert_v7.json")
    assert no_data.status is ExternalStatus.FIRING and no_data.text == "The panel has no data."
    [paused] = parse("zulip_grafana_alert_paused_v7.json")
    assert paused.status is ExternalStatus.RESOLVED and paused.note == "the rule was paused in Grafana"
    assert parse("zulip_grafana_alert_pending.json") == []
    payload = fixture("monitoring/grafana_legacy_alerting_webhook_alerting.json") | {"state": "no_data"}
    assert grafana.parse(payload)[0].title == "Zeta CPU alert (no data)"


@pytest.mark.parametrize(("body", "problem"), [
    ([1, 2], "expected a JSON object"),
    ({"title": "hello"}, "neither `alerts`"),
    ({"alerts": "many"}, "alerts"),
    ({"state": "melting", "ruleId": 1}, "state"),
])
def test_what_grafana_does_not_send_is_refused_naming_the_problem(body: Any, problem: str) -> None:
    with pytest.raises(PayloadError, match="Grafana") as refused:
        grafana.parse(body)
    assert problem in str(refused.value)
