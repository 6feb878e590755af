"""Signed events, commands and clicks missing what their kind must carry: acknowledged, logged once and dropped -
never a 500, never retried to the dead-letter queue - through the real handler. What every payload of its kind
carries is checked at the door (klaxon.slack.door); the rest when the lazy work reads it (klaxon.slack.payloads)."""

from __future__ import annotations

import json
from typing import Any

import pytest


def event_callback(event_id: str, event: dict[str, Any]) -> str:
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T0KLAXON", "event": event})


def interaction(payload: dict[str, Any]) -> str:
    return "payload=" + json.dumps(payload)


REACTION = {"type": "reaction_added", "user": "U0ALICE", "reaction": "white_check_mark",
            "item": {"type": "message", "channel": "C0INCIDENT", "ts": "1800000000.000100"}, "event_ts": "1.2"}
MENTION = {"type": "app_mention", "user": "U0ALICE", "text": "<@U0KLAXON> db is down", "ts": "1800000000.000200",
           "channel": "C0OPS", "event_ts": "1800000000.000200"}
CLICK = {"type": "block_actions", "user": {"id": "U0ALICE"}, "trigger_id": "t-click", "response_url": "",
         "actions": [{"action_id": "alert.acknowledge", "value": "C0ALERTS/1800000000.000100"}]}
PIN = {"type": "pin_added", "user": "U0ALICE", "channel_id": "C0COMMS", "event_ts": "1.3",
       "item": {"type": "message", "channel": "C0COMMS", "message": {"ts": "1800000000.000300", "text": "the cause"}}}
FORM = {"type": "view_submission", "user": {"id": "U0ALICE"}, "trigger_id": "t-form",
        "view": {"id": "V0FORM", "type": "modal", "callback_id": "incident.declare", "private_metadata": "",
                 "state": {"values": {"summary": {"summary": {"type": "plain_text_input", "value": "db down"}}}}}}
SHORTCUT = {"type": "message_action", "user": {"id": "U0ALICE"}, "trigger_id": "t-short",
            "callback_id": "incident.declare_from_message", "channel": {"id": "C0OPS"},
            "message": {"ts": "1800000000.000400", "text": "checkout fails"}}


def without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    *parents, last = path
    target = copy
    for key in parents:
        target = target[key] if not isinstance(target, list) else target[int(key)]
    target.pop(last) if isinstance(target, dict) else target.pop(int(last))
    return copy


@pytest.mark.parametrize("body, content_type, field", [
    # the inputs
    (event_callback("EvR1", without(REACTION, "item", "ts")), "application/json", "ts"),
    (event_callback("EvM1", without(MENTION, "channel")), "application/json", "channel"),
    # their siblings
    (event_callback("EvR2", without(REACTION, "item", "channel")), "application/json", "channel"),
    (event_callback("EvR3", without(REACTION, "item")), "application/json", "item"),
    (event_callback("EvR4", without(REACTION, "user")), "application/json", "user"),
    (event_callback("EvR5", without(REACTION, "reaction")), "application/json", "reaction"),
    (event_callback("EvR6", {**REACTION, "type": "reaction_removed", "item": "1800000000.000100"}),
     "application/json", "item"),
    (event_callback("EvM2", without(MENTION, "ts")), "application/json", "ts"),
    (event_callback("EvM3", {**MENTION, "channel": ["C0OPS"]}), "application/json", "channel"),
    (event_callback("EvD1", {"type": "message", "channel_type": "im", "user": "U0ALICE", "text": "hi",
                             "ts": "1.1"}), "application/json", "channel"),
    (interaction(without(CLICK, "user")), "application/x-www-form-urlencoded", "user"),
    (interaction({**CLICK, "user": "U0ALICE"}), "application/x-www-form-urlencoded", "user"),
    (interaction(without(CLICK, "actions", "0", "value")), "application/x-www-form-urlencoded", "value"),
    ("command=%2Fklaxon&text=help&channel_id=C0OPS&trigger_id=t-cmd", "application/x-www-form-urlencoded",
     "user_id"),
    # without the id that makes them once-only, a retry could carry a command out twice
    ("command=%2Fklaxon&text=help&channel_id=C0OPS&user_id=U0ALICE", "application/x-www-form-urlencoded",
     "trigger_id"),
    (interaction(without(CLICK, "trigger_id")), "application/x-www-form-urlencoded", "trigger_id"),
    # the kinds issue 12 listens to: pins, forms, the message shortcut
    (event_callback("EvP1", {**PIN, "item": {**PIN["item"], "message": "1800000000.000300"}}), "application/json",
     "message"),
    (event_callback("EvP2", without(PIN, "item", "message", "ts")), "application/json", "ts"),
    (event_callback("EvP3", without({**PIN, "type": "pin_removed"}, "item")), "application/json", "item"),
    (event_callback("EvP4", without(PIN, "user")), "application/json", "user"),
    (interaction(without(FORM, "view", "id")), "application/x-www-form-urlencoded", "view.id"),
    (interaction(without(FORM, "trigger_id")), "application/x-www-form-urlencoded", "trigger_id"),
    (interaction({**FORM, "user": "U0ALICE"}), "application/x-www-form-urlencoded", "user"),
    (interaction(without(SHORTCUT, "message")), "application/x-www-form-urlencoded", "message"),
    (interaction(without(SHORTCUT, "channel")), "application/x-www-form-urlencoded", "channel"),
])
def test_a_payload_missing_what_its_kind_needs_is_acknowledged_logged_once_and_dropped(stack, logged, body,
                                                                                       content_type, field):
    delivery = stack.workspace.send_raw(body, content_type=content_type, signing="valid")
    stack.settle()

    assert delivery.status == 200, (delivery.status, delivery.body)
    assert stack.dead_letters() == []
    dropped = [r for r in logged if r.getMessage().startswith(("Slack payload dropped", "Slack request answered"))]
    assert len(dropped) == 1, [r.getMessage() for r in logged]
    assert "without" in dropped[0].reason and f"`{field}" in dropped[0].reason, dropped[0].reason


def test_a_reaction_on_a_file_is_not_klaxons_business_and_says_nothing(stack, logged):
    body = event_callback("EvF1", {**REACTION, "item": {"type": "file", "file": "F0001"}})
    assert stack.workspace.send_raw(body, signing="valid").status == 200
    stack.settle()
    assert stack.dead_letters() == [] and not [r for r in logged if "dropped" in r.getMessage()]


def test_a_mention_in_a_thread_that_is_gone_is_answered_nowhere_and_fails_nothing(stack, logged):
    ops = stack.workspace.add_channel("ops")["id"]
    gone = {**MENTION, "channel": ops, "thread_ts": "1700000000.000100",
            "text": "<@U0KLAXON>"}  # says nothing: Klaxon would answer in the thread, whose parent was deleted
    assert stack.workspace.send_raw(event_callback("EvT1", gone), signing="valid").status == 200
    stack.settle()
    assert stack.dead_letters() == [] and any("the thread is gone" in r.getMessage() for r in logged)
