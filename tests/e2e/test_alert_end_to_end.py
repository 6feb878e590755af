"""Two processes, real HTTP: a monitoring message in, one repost out; retries and forgeries change nothing."""

from __future__ import annotations

import pytest

from infra.driver import StackDriver
from klaxon.rules import Rule

pytestmark = pytest.mark.e2e


def given_a_rule(stack: StackDriver, pattern: str, target: str, label: str) -> None:
    """Store a rule through Klaxon's own configuration repository (set-up, not the slash command)."""
    rule = Rule.create(pattern=pattern, target_channel=target, label=label)
    stack.configure(lambda config: config.with_rules((*config.rules, rule)))


def test_monitoring_message_in_one_repost_out_and_a_retry_changes_nothing(e2e):
    ws = e2e.workspace
    incidents = ws.add_channel("incidents")["id"]
    ws.add_channel("alerts-prod")
    ws.add_bot("grafana")
    given_a_rule(e2e, r"(?i)error rate", incidents, "[Error]")

    noise = ws.post("#alerts-prod", "deploy 1432 finished", bot="grafana")
    alert = ws.post("#alerts-prod", "", bot="grafana", attachments=[
        {"title": "[Alerting] Error rate above 5%", "text": "api-gateway 5xx at 7.2%", "fallback": "Error rate"}])
    e2e.settle()
    retry = ws.redeliver(alert.delivery.id, retry_num=1, reason="http_timeout")
    e2e.settle()

    assert noise.delivery.ok and alert.delivery.ok and retry.ok
    (repost,) = ws.messages("#incidents")
    assert "[Error]" in repost["blocks"][0]["text"]["text"]
    assert "api-gateway 5xx at 7.2%" in repost["blocks"][0]["text"]["text"]
    (stored,) = e2e.items("ALERT#")
    assert stored["post_ts"] == repost["ts"]


def test_a_forged_request_gets_401_and_writes_nothing(e2e):
    ws = e2e.workspace
    ws.add_channel("alerts-prod")
    body = '{"type":"event_callback","event_id":"EvForged","event":{"type":"message","text":"x","ts":"1.2"}}'

    forged = ws.send_raw(body, signing="bad")
    stale = ws.send_raw(body, signing="valid", timestamp_age=600)
    e2e.settle()

    assert forged.status == 401 and stale.status == 401
    assert e2e.items("EVENT#") == [] and e2e.items("ALERT#") == []
