"""Handling alerts through Slack: reactions on either message, buttons, the sweep's digest, reconcile
and reminders, and two sweeps at once - all through signed requests and the real handlers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from klaxon.slack.actions import ActionId


@pytest.fixture
def alerting(stack, alice):
    """#alerts-prod watched by a disk rule into #incidents; the digest lists alerts a second old."""
    ws = stack.workspace
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    stack.klaxon(alice, "#alerts-prod", r"rule add /disk \d+%/ to #incidents")
    stack.klaxon(alice, "#alerts-prod", "settings digest-after 1s")
    return stack


def raise_alert(stack, text="disk 93% on db-1"):
    original = stack.workspace.post("#alerts-prod", text, bot="datadog")
    stack.settle()
    repost = stack.workspace.messages("#incidents")[-1]
    return original.ts, repost["ts"]


def post_of(stack, ts):
    return next(m for m in stack.workspace.messages("#incidents") if m["ts"] == ts)


def state_line(message):
    return next(b for b in message["blocks"] if b["block_id"] == "alert.state")["elements"][0]["text"]


def alert_item(stack):
    (item,) = stack.items("ALERT#")
    return item


def test_a_handled_reaction_on_the_post_acknowledges_and_the_post_says_who(alerting, alice):
    _, post = raise_alert(alerting)
    alerting.workspace.react(alice, "#incidents", post, "white_check_mark")
    alerting.settle()
    assert state_line(post_of(alerting, post)).startswith(f"Acknowledged by <@{alice}>")
    item = alert_item(alerting)
    assert item["due_kind"] == f"handled#{item['target_channel']}", "listed with its channel's handled alerts"


def test_a_reaction_on_the_original_and_by_several_people_then_un_acknowledged(alerting, alice, bob):
    original, post = raise_alert(alerting)
    ws = alerting.workspace
    ws.react(bob, "#alerts-prod", original, "white_check_mark")
    ws.react(alice, "#incidents", post, "white_check_mark")
    alerting.settle()
    assert f"also <@{alice}>" in state_line(post_of(alerting, post))

    ws.unreact(bob, "#alerts-prod", original, "white_check_mark")
    ws.unreact(alice, "#incidents", post, "white_check_mark")
    alerting.settle()
    assert state_line(post_of(alerting, post)) == "Nobody has acknowledged this yet"
    item = alert_item(alerting)
    assert item["due_kind"] == f"unacked#{item['target_channel']}", "back among its channel's unacknowledged"


def test_other_reactions_and_reactions_elsewhere_change_nothing(alerting, alice):
    _, post = raise_alert(alerting)
    other = alerting.workspace.post("#alerts-prod", "lunch?", user=alice)
    alerting.workspace.react(alice, "#incidents", post, "eyes")
    alerting.workspace.react(alice, "#alerts-prod", other.ts, "white_check_mark")
    alerting.settle()
    assert state_line(post_of(alerting, post)) == "Nobody has acknowledged this yet"


def test_the_acknowledge_and_resolve_buttons(alerting, alice, bob):
    _, post = raise_alert(alerting)
    ws = alerting.workspace
    clicked = ws.click(bob, "#incidents", post, ActionId.ACKNOWLEDGE_ALERT.value)
    alerting.settle()
    assert clicked.delivery.ok and state_line(post_of(alerting, post)).startswith(f"Acknowledged by <@{bob}>")

    ws.click(alice, "#incidents", post, ActionId.RESOLVE_ALERT.value)
    alerting.settle()
    message = post_of(alerting, post)
    assert state_line(message).startswith(f"Resolved by <@{alice}>")
    assert not any(b["block_id"] == "alert.actions" and len(b["elements"]) > 1 for b in message["blocks"])


def test_the_sweep_keeps_one_digest_updated_in_place(alerting, alice):
    _, post = raise_alert(alerting)
    time.sleep(1.1)
    alerting.sweep()
    (digest,) = [m for m in alerting.workspace.messages("#incidents") if m["ts"] != post]
    assert "1 alert nobody has acknowledged" in digest["text"]

    alerting.workspace.react(alice, "#incidents", post, "white_check_mark")
    alerting.settle()
    alerting.sweep()
    alerting.sweep()

    messages = alerting.workspace.messages("#incidents")
    assert len(messages) == 2, "the alert and its digest, nothing more"
    assert post_of(alerting, digest["ts"])["text"] == "Nothing unacknowledged"


def test_the_reconcile_repairs_a_reaction_event_slack_never_delivered(alerting, alice, local_stack):
    _, post = raise_alert(alerting)
    _, cloud = local_stack
    ws = alerting.workspace
    ws.configure(app_url="http://127.0.0.1:9/unreachable")  # Klaxon is unreachable: the event is lost
    ws.react(alice, "#incidents", post, "white_check_mark")
    ws.configure(app_url=f"{cloud.url}/slack/events")
    time.sleep(1.1)

    alerting.sweep()

    assert state_line(post_of(alerting, post)).startswith(f"Acknowledged by <@{alice}>")
    assert len(ws.calls("reactions.get")) == 2, "the original and the post, within the budget"
    assert [m for m in ws.messages("#incidents") if m["ts"] != post] == [], "handled: no digest needed"


def test_a_report_on_demand_lists_what_nobody_handled(alerting, bob):
    raise_alert(alerting, "disk 97% on db-7")
    time.sleep(1.1)
    answer = alerting.klaxon(bob, "#alerts-prod", "report")
    assert "1 alert nobody has acknowledged" in answer and "disk 97% on db-7" in answer


def test_settings_are_admin_only_validated_and_audited(alerting, alice, bob):
    assert "only Klaxon admins" in alerting.klaxon(bob, "#alerts-prod", "settings verbose on")
    assert alerting.klaxon(alice, "#alerts-prod", "settings handled-reactions :ok: :no way:").startswith(":warning:")
    assert alerting.klaxon(alice, "#alerts-prod", "settings handled-reactions :ok: :heavy_check_mark:").startswith(
        ":white_check_mark:")
    actions = [item["action"] for item in alerting.items("AUDIT")]
    assert "settings handled-reactions" in actions and "settings verbose" not in actions


def test_reminders_go_to_the_reminder_channel_at_the_configured_hour(alerting, alice):
    alerting.workspace.add_channel("oncall")
    raise_alert(alerting)
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo"))
    alerting.klaxon(alice, "#alerts-prod", "settings reminder-channel #oncall")
    alerting.klaxon(alice, "#alerts-prod", f"settings reminder-hours {now:%H:%M} Asia/Tokyo")

    alerting.sweep()
    alerting.sweep()

    (reminder,) = alerting.workspace.messages("#oncall")
    assert reminder["text"] == "1 alert nobody has handled"


def test_two_sweeps_at_once_post_one_digest_and_one_reminder(alerting, alice, local_stack):
    _, cloud = local_stack
    alerting.workspace.add_channel("oncall")
    now = datetime.now(UTC)
    alerting.klaxon(alice, "#alerts-prod", "settings reminder-channel #oncall")
    alerting.klaxon(alice, "#alerts-prod", f"settings reminder-hours {now:%H:%M} UTC")
    for host in ("alpha", "beta", "gamma"):
        raise_alert(alerting, f"disk 95% on {host}")
    time.sleep(1.1)

    cloud.sweeps_at_once()
    alerting.settle()

    digests = [m for m in alerting.workspace.messages("#incidents") if "nobody has acknowledged" in m["text"]]
    assert len(digests) == 1 and "3 alerts" in digests[0]["text"]
    assert len(alerting.workspace.messages("#oncall")) == 1


def test_a_long_rate_limit_stops_the_reconcile_without_holding_the_sweep(alerting, alice, local_stack):
    _, post = raise_alert(alerting)
    time.sleep(1.1)
    alerting.workspace.rate_limit("reactions.get", count=5, retry_after=30)

    started = time.monotonic()
    alerting.sweep()

    assert time.monotonic() - started < 10, "the sweep did not sleep through Slack's 30 s"
    assert [c.error for c in alerting.workspace.calls("reactions.get")] == ["ratelimited"]
    digests = [m for m in alerting.workspace.messages("#incidents") if m["ts"] != post]
    assert len(digests) == 1, "the digest still went out"
