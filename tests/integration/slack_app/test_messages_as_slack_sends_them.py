"""Messages as Slack really sends them, through the real handler: signed events from the emulator, the lazy
listener, DynamoDB on moto, the repost checked against Slack's limits by the emulator (issue 8, issue 9 item 3)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra.driver import StackDriver
from klaxon.rules import Rule, TimeWindow

GRAFANA_BLOCKS = [{"type": "section", "text": {
    "type": "mrkdwn", "text": "<!here|here> <!subteam^S0001> <@U0003> [FIRING:1] HighLatency"}}]
PREVIEW = {"from_url": "https://wiki.example.com/db-runbook", "service_name": "Wiki",
           "title": "Runbook: disk full on database hosts", "text": "What to do when a disk is full"}
NOTIFYING = ("<!here", "<!channel", "<!everyone", "<!subteam", "<@U0003")


@pytest.fixture
def scene(stack: StackDriver, alice: str) -> dict[str, Any]:
    ws = stack.workspace
    scene = {"incidents": ws.add_channel("incidents")["id"], "alerts": ws.add_channel("alerts-prod")["id"],
             "bot": ws.add_bot("grafana")["bot_id"], "alice": alice}
    return scene


def add_rule(stack: StackDriver, pattern: str, target: str, **fields: Any) -> Rule:
    rule = Rule.create(pattern=pattern, target_channel=target, **fields)
    stack.configure(lambda config: config.with_rules((*config.rules, rule)))
    return rule


def reposts(stack: StackDriver) -> list[dict[str, Any]]:
    return stack.workspace.messages("#incidents")


def send_event(stack: StackDriver, event: dict[str, Any], event_id: str) -> Any:
    """A correctly signed event_callback with this event, as Slack would send it."""
    body = json.dumps({"token": "x", "team_id": "T0KLAXON", "api_app_id": "A0KLAXON", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event})
    return stack.workspace.send_raw(body, signing="valid")


def bot_message(scene: dict[str, Any], ts: str | None = None, **content: Any) -> dict[str, Any]:
    ts = ts or f"{time.time():.6f}"
    return {"type": "message", "subtype": "bot_message", "bot_id": scene["bot"], "username": "grafana",
            "channel": scene["alerts"], "ts": ts, "event_ts": ts, "channel_type": "channel", **content}


# ---------------------------------------------------------------------- 1. text Klaxon did not see
def test_a_markdown_block_with_empty_text_raises_an_alert(stack, scene):
    add_rule(stack, "/disk full/i", scene["incidents"], label="[Disk]")
    stack.workspace.post("#alerts-prod", "", bot="grafana", blocks=[
        {"type": "markdown", "block_id": "m1", "text": "**Disk full** on `db-1` (98%)"}])
    stack.settle()
    (repost,) = reposts(stack)
    assert "**Disk full** on `db-1` (98%)" in repost["blocks"][0]["text"]["text"]


# ---------------------------------------------------------------------- 2. a link preview taken for an edit
def test_a_link_preview_is_not_an_edit_but_a_real_edit_is_judged_once(stack, scene):
    add_rule(stack, "/disk full/i", scene["incidents"])
    posted = stack.workspace.post("#alerts-prod", "runbook for yesterday: <https://wiki.example.com/db-runbook>",
                                  user="alice")
    stack.workspace.unfurl("#alerts-prod", posted.ts, [PREVIEW])
    stack.settle()
    assert reposts(stack) == []

    stack.workspace.edit("#alerts-prod", posted.ts, "disk full again, runbook: <https://wiki.example.com/db-runbook>")
    stack.settle()
    (repost,) = reposts(stack)
    assert "disk full again" in repost["blocks"][0]["text"]["text"] and "What to do" not in json.dumps(repost)


# ---------------------------------------------------------------------- 3. a repost that pings a room
def test_a_repost_notifies_exactly_the_rules_hotline(stack, scene):
    add_rule(stack, "HighLatency", scene["incidents"], hotline=[scene["alice"]])
    stack.workspace.post("#alerts-prod", "", bot="grafana", blocks=GRAFANA_BLOCKS)
    stack.settle()
    (repost,) = reposts(stack)
    shown = json.dumps(repost["blocks"]) + repost["text"]
    assert not any(mark in shown for mark in NOTIFYING)
    assert "@here @S0001 @U0003 [FIRING:1] HighLatency" in repost["blocks"][0]["text"]["text"]
    assert f"<@{scene['alice']}>" in repost["text"] and shown.count("<@") == 2  # fallback and cc line


# ---------------------------------------------------------------------- 4. windows judged when it was posted
def window_around(said_at: datetime, delivered_at: datetime) -> TimeWindow:
    """A window that was open when the message was posted and has closed by the time it arrives."""
    start, end = said_at - timedelta(minutes=1), delivered_at
    return TimeWindow.parse(f"daily {start:%H:%M}-{end:%H:%M} UTC")


def test_a_message_posted_inside_a_window_and_delivered_after_it_closed_alerts(stack, scene):
    now = datetime.now(UTC)
    said_at = now - timedelta(minutes=4, seconds=57)  # Slack retried for almost five minutes
    add_rule(stack, "/disk full/i", scene["incidents"], window=window_around(said_at, now))
    send_event(stack, bot_message(scene, ts=f"{said_at.timestamp():.6f}", text="Disk full on db-1"), "EvLate")
    stack.settle()
    (repost,) = reposts(stack)
    (alert,) = stack.items("ALERT#")
    assert abs(datetime.fromisoformat(alert["first_seen"]) - said_at) < timedelta(milliseconds=1)


def test_a_message_posted_before_a_window_opened_does_not_alert_when_delivered_inside_it(stack, scene):
    now = datetime.now(UTC)
    opened = now.replace(second=0, microsecond=0)
    add_rule(stack, "/disk full/i", scene["incidents"],
             window=TimeWindow.parse(f"daily {opened:%H:%M}-{opened + timedelta(minutes=5):%H:%M} UTC"))
    before = opened - timedelta(seconds=30)
    send_event(stack, bot_message(scene, ts=f"{before.timestamp():.6f}", text="Disk full on db-1"), "EvEarly")
    stack.settle()
    assert reposts(stack) == []


# ---------------------------------------------------------------------- 5. a handled reaction with a skin tone
def test_a_handled_reaction_with_a_skin_tone_acknowledges_and_its_removal_takes_it_back(stack, scene):
    stack.klaxon(scene["alice"], "#alerts-prod", "settings handled-reactions :white_check_mark: :+1:")
    add_rule(stack, "disk full", scene["incidents"])
    stack.workspace.post("#alerts-prod", "disk full on db-1", bot="grafana")
    stack.settle()
    (repost,) = reposts(stack)

    stack.workspace.react("alice", "#incidents", repost["ts"], "+1::skin-tone-3")
    stack.settle()
    (alert,) = stack.items("ALERT#")
    assert alert["marks"] and "Acknowledged by" in json.dumps(reposts(stack)[0]["blocks"])

    stack.workspace.unreact("alice", "#incidents", repost["ts"], "+1::skin-tone-3")
    stack.settle()
    (alert,) = stack.items("ALERT#")
    assert not alert["marks"]


# ---------------------------------------------------------------------- 6. IMS rules after import
def test_an_imported_ims_rule_matches_a_text_less_message_by_its_attachments(stack, scene):
    ims = f'[Rules]\n"color":"danger"\t.*\tCRIT\n[Incidents]\nCRIT\t{scene["incidents"]}\t[Critical]\t20\n'
    answer = stack.klaxon(scene["alice"], "#alerts-prod", f"import ims {ims}")
    assert "imported 1 rules" in answer and "match what IMS matched" in answer
    stack.workspace.post("#alerts-prod", "", bot="grafana",
                         attachments=[{"color": "danger", "title": "[FIRING:1] HighLatency"}])
    stack.settle()
    (repost,) = reposts(stack)
    assert "[Critical]" in repost["text"] and "[FIRING:1] HighLatency" in repost["blocks"][0]["text"]["text"]


# ---------------------------------------------------------------------- rule test <message link>
def test_rule_test_reads_one_message_by_its_link(stack, scene):
    add_rule(stack, "/disk full/i", scene["incidents"], label="[Disk]")
    posted = stack.workspace.post("#alerts-prod", "", bot="grafana", blocks=[
        {"type": "markdown", "text": "**Disk full** on `db-1` (98%)"}])
    stack.settle()
    link = f"https://klaxon-demo.slack.com/archives/{scene['alerts']}/p{posted.ts.replace('.', '')}"
    answer = stack.klaxon(scene["alice"], "#alerts-prod", f"rule test {link}")
    assert ">**Disk full** on `db-1` (98%)" in answer and "would be reposted" in answer
    (call,) = stack.workspace.calls("conversations.history")
    assert call.args["latest"] == call.args["oldest"] == posted.ts


def test_rule_test_of_a_reply_reads_its_thread(stack, scene):
    add_rule(stack, "/disk full/i", scene["incidents"])
    parent = stack.workspace.post("#alerts-prod", "db trouble", user="alice")
    reply = stack.workspace.post("#alerts-prod", "disk full on db-2", user="alice", thread_ts=parent.ts)
    stack.settle()
    link = (f"https://klaxon-demo.slack.com/archives/{scene['alerts']}/p{reply.ts.replace('.', '')}"
            f"?thread_ts={parent.ts}&cid={scene['alerts']}")
    answer = stack.klaxon(scene["alice"], "#alerts-prod", f"rule test {link}")
    assert ">disk full on db-2" in answer and "would be reposted" in answer
    (call,) = stack.workspace.calls("conversations.replies")
    assert call.args["ts"] == parent.ts and call.args["latest"] == reply.ts


def test_rule_test_of_a_channel_klaxon_is_not_in_says_to_invite_it(stack, scene):
    elsewhere = stack.workspace.add_channel("team-chat", bot_member=False)["id"]
    posted = stack.workspace.post("#team-chat", "disk full", user="alice")
    link = f"https://klaxon-demo.slack.com/archives/{elsewhere}/p{posted.ts.replace('.', '')}"
    answer = stack.klaxon(scene["alice"], "#alerts-prod", f"rule test {link}")
    assert f"Klaxon is not in <#{elsewhere}>" in answer and "/invite" in answer


def test_rule_test_when_slack_limits_history_says_when_to_try_again(stack, scene):
    posted = stack.workspace.post("#alerts-prod", "disk full", bot="grafana")
    stack.settle()
    stack.workspace.rate_limit("conversations.history", count=5, retry_after=45)
    link = f"https://klaxon-demo.slack.com/archives/{scene['alerts']}/p{posted.ts.replace('.', '')}"
    answer = stack.klaxon(scene["alice"], "#alerts-prod", f"rule test {link}")
    assert "try again in 45 s" in answer and stack.dead_letters() == []


# ---------------------------------------------------------------------- issue 9 item 3: content after the ack
def nested_rich_text(depth: int, words: str) -> list[dict[str, Any]]:
    element: dict[str, Any] = {"type": "text", "text": words}
    for _ in range(depth):
        element = {"type": "rich_text_quote", "elements": [element]}
    return [{"type": "rich_text", "elements": [element]}]


@pytest.mark.parametrize("content, shown", [
    ({"text": "", "attachments": [{"title": f"disk full on db-{n}", "text": "x"} for n in range(10_000)]},
     "disk full on db-0"),
    ({"text": "disk full \ud800 on db-1"}, "disk full \ufffd on db-1"),
    ({"text": "disk full " + "y" * 1_000_000}, "disk full yyy"),
    ({"text": "disk full", "blocks": "section"}, "disk full"),
    ({"text": "disk full", "blocks": [None, 3, "x", {"type": "section", "text": None}]}, "disk full"),
    # As deep as the door lets a payload in (klaxon.slack.door.MAX_NESTING JSON levels: 45 quotes nest 96
    # deep in this event; deeper is acknowledged and dropped at the door, tests/unit/slack/test_slack_door.py);
    # the gatherer itself reads 5,000 levels (unit tests).
    ({"text": "", "blocks": nested_rich_text(45, "disk full deep down")}, "disk full deep down"),
])
def test_unusual_content_that_matches_is_posted_cut_and_cleaned_and_nothing_is_dead_lettered(stack, scene, content,
                                                                                              shown):
    add_rule(stack, "/disk full/i", scene["incidents"])
    delivery = send_event(stack, bot_message(scene, **content), f"EvOdd{abs(hash(shown)) % 10_000}")
    stack.settle()
    assert delivery.status == 200
    (repost,) = reposts(stack)
    assert shown in repost["blocks"][0]["text"]["text"]
    assert stack.dead_letters() == [] and len(stack.items("ALERT#")) == 1


@pytest.mark.parametrize("event", [
    {"type": "message", "subtype": "bot_message", "bot_id": "B0X", "text": "disk full", "ts": None},
    {"type": "message", "subtype": ["bot_message"], "text": "disk full", "ts": "1.2"},
    {"type": "message", "user": {"id": "U1"}, "text": "disk full", "ts": "1.2"},
    {"type": "message", "subtype": "message_changed", "message": "disk full"},
])
def test_a_message_that_cannot_mean_anything_is_acknowledged_and_dropped(stack, scene, event):
    add_rule(stack, "/disk full/i", scene["incidents"])
    delivery = send_event(stack, {**event, "channel": scene["alerts"]}, "EvMeaningless")
    stack.settle()
    assert delivery.status == 200 and reposts(stack) == [] and stack.dead_letters() == []
