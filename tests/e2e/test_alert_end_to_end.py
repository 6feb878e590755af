"""Two processes, real HTTP: a rule from /klaxon, a monitoring message in, one repost out; retries and
forgeries change nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_monitoring_message_in_one_repost_out_and_a_retry_changes_nothing(e2e):
    ws = e2e.workspace
    admin = ws.add_user("alice")["id"]
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("grafana")
    answer = e2e.klaxon(admin, "#alerts-prod", 'rule add /error rate/i to #incidents label "[Error]"')
    assert answer.startswith(":white_check_mark:"), answer

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
