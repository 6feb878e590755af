"""Silences set from Slack and applied to message alerts and webhook alerts alike, all through the real handlers:
signed /klaxon commands from the emulator, the monitoring bot's messages, a webhook over HTTP."""

from __future__ import annotations

import pytest

from infra.stack import WEBHOOK_SECRETS
from klaxon.bootstrap import cold_start


@pytest.fixture
def channels(stack, alice, monkeypatch):
    ws = stack.workspace
    monkeypatch.setenv("INCIDENTS_CHANNEL", ws.add_channel("incidents")["id"])
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    cold_start()
    stack.klaxon(alice, "#alerts-prod", "rule add disk to #incidents")
    return stack


def disk_full(stack, host="alpha"):
    stack.workspace.post("#alerts-prod", f"disk full on {host}", bot="datadog")
    stack.settle()


def webhook(stack, host="alpha", status="firing"):
    alert = {"title": f"disk full on {host}", "dedup_key": f"disk-{host}", "host": host, "status": status}
    answer = stack.webhook("generic", alert, secret=WEBHOOK_SECRETS["generic"])[1]
    return answer["alerts"][0]


def test_a_silence_from_slack_holds_back_message_and_webhook_alerts_until_it_is_expired(channels, alice, bob):
    answer = channels.klaxon(alice, "#alerts-prod", 'silence text=~"alpha" for 1h comment "disk swap"')
    assert answer.startswith(":white_check_mark: silence `s-")
    silence_id = answer.split("`")[1]

    disk_full(channels)
    held_back = webhook(channels)
    disk_full(channels, "beta")
    assert held_back["silenced_by"] == silence_id and not held_back["posted"]
    assert ["beta" in m["text"] for m in channels.workspace.messages("#incidents")] == [True]
    assert f"`{silence_id}` 2" in channels.klaxon(bob, "#alerts-prod", "report"), "both recorded and counted"
    assert f"`{silence_id}` text=~\"alpha\"" in channels.klaxon(bob, "#alerts-prod", "silence list")

    assert "expired silence" in channels.klaxon(alice, "#alerts-prod", f"silence expire {silence_id}")
    disk_full(channels)
    assert webhook(channels)["outcome"] == "new", "the next firing of its key is posted as a new alert"
    assert len(channels.workspace.messages("#incidents")) == 3, "beta, then alpha's message and its webhook"
    actions = [item["action"] for item in channels.items("AUDIT")]
    assert sorted(actions) == ["rule add", "silence add", "silence expire"]
    assert channels.items("SILENCE")[0]["expired_by"] == alice


def test_only_admins_silence_and_a_bad_matcher_is_named(channels, alice, bob):
    assert "only Klaxon admins" in channels.klaxon(bob, "#alerts-prod", "silence host=db-7 for 1h")
    refused = channels.klaxon(alice, "#alerts-prod", 'silence alertname=~"Disk(" for 1h')
    assert refused.startswith(":warning:") and "the regex of `alertname` does not compile" in refused
    assert channels.items("SILENCE") == []
