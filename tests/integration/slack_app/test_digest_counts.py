"""Digests at size, through the real sweep and DynamoDB (moto) (issue 14, item 5): 1,200 unacknowledged
alerts are told as 1,200 (the issue's 5,000 are in tests/unit/alerts/test_digest_counts.py), a channel with a
few newer alerts gets its own digest, and /klaxon report agrees."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.dynamo.alerts import alert_item

OLDER = 1_199  # loaded into #incidents beside one raised through Slack: 1,200, past the 500 one read took


@pytest.fixture
def two_channels(stack, alice):
    """Disk alerts from #alerts-prod go to #incidents, payment alerts to #payments; listed after a second."""
    ws = stack.workspace
    incidents, payments = ws.add_channel("incidents")["id"], ws.add_channel("payments")["id"]
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    stack.klaxon(alice, "#alerts-prod", r"rule add /disk \d+%/ to #incidents")
    stack.klaxon(alice, "#alerts-prod", r"rule add /payment failed/ to #payments")
    stack.klaxon(alice, "#alerts-prod", "settings digest-after 1s")
    return incidents, payments


def load_older_alerts(stack, channel: str, how_many: int) -> None:
    """`how_many` unacknowledged alerts to `channel`, an hour and more old, written as Klaxon writes them."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    alerts = [Alert(id=f"C0OLD/{n}.1", origin=SlackMessageOrigin("C0OLD", f"{n}.1", "B0DATADOG"),
                    text=f"disk {n % 100}% on db-{n}", label="", target_channel=channel, fingerprint=f"old{n}",
                    first_seen=hour_ago - timedelta(seconds=n), post_ts=f"{n}.2") for n in range(how_many)]
    stack.store.table.put_many([{"pk": f"ALERT#{a.id}", "sk": "ALERT", **alert_item(a)} for a in alerts])


def digest_of(stack, channel: str, repost_ts: str) -> dict:
    (digest,) = [m for m in stack.workspace.messages(channel) if m["ts"] != repost_ts]
    return digest


def test_1200_alerts_are_told_as_1200_and_a_channel_with_a_few_newer_ones_gets_its_digest(
        stack, two_channels, alice, bob):
    _, payments = two_channels
    stack.workspace.post("#alerts-prod", "disk 97% on db-7", bot="datadog")
    stack.settle()
    incidents_post = stack.workspace.messages("#incidents")[-1]["ts"]
    load_older_alerts(stack, two_channels[0], OLDER)
    stack.workspace.post("#alerts-prod", "payment failed for order 12", bot="datadog")
    stack.settle()
    payments_post = stack.workspace.messages("#payments")[-1]["ts"]
    time.sleep(1.1)

    stack.sweep()

    incidents = digest_of(stack, "#incidents", incidents_post)
    assert incidents["text"] == "1200 alerts nobody has acknowledged", "counted, not one page of 500"
    shown = "\n".join(b["text"]["text"] for b in incidents["blocks"] if b.get("text"))
    assert shown.rstrip().endswith("…and 1140 more") and len(incidents["blocks"]) <= 50
    assert digest_of(stack, "#payments", payments_post)["text"] == "1 alert nobody has acknowledged", \
        "the channel's newer alert is not crowded out by 1,200 older ones elsewhere"

    answer = stack.klaxon(bob, "#alerts-prod", "report")
    assert answer.startswith(":rotating_light: *1201 alerts nobody has acknowledged*")
    assert "…and 1180 more in <#" in answer and f"<#{payments}> *" in answer and "payment failed" in answer
