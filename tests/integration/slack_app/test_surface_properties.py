"""Properties of the Slack request surface through the real handler (hypothesis): any signed event, slash command
or interaction - well formed or not - is answered with a 2xx or a 4xx, never a 5xx, and nothing it sets off ends
in the dead-letter queue. A `/klaxon` command with any text gets an answer the person can read.

Each example is a real signed HTTP request from the emulator through the local cloud; the examples share one
workspace (Klaxon, the people and channels below), so what one example does may meet the next, as in Slack.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaxon.slack.actions import ActionId, CallbackId

EXAMPLES = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
                    max_leaves=12)


@pytest.fixture
def workspace(stack, alice):
    """Klaxon with a rule, a policy and channels, so that generated requests can reach real work."""
    ws = stack.workspace
    ids = {name: ws.add_channel(name)["id"] for name in ("incidents", "alerts-prod", "ops")}
    ws.add_bot("datadog")
    stack.klaxon(alice, "#ops", "policy set db level @alice after 1m")
    stack.klaxon(alice, "#ops", "policy use db in #ops")
    stack.klaxon(alice, "#ops", "rule add /disk|db|down/i to #incidents policy db ack-timeout 1m")
    return {"alice": alice, **ids}


def plausible(values: list[str]) -> st.SearchStrategy[Any]:
    """Values Slack would send here, or anything at all."""
    return st.sampled_from(values) | JSON


def events(ids: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    channels = plausible([ids["alerts-prod"], ids["ops"], ids["incidents"], "C0GONE", "D0DIRECT"])
    users = plausible([ids["alice"], "U0KLAXON", "U0STRANGER"])
    stamps = plausible(["1800000000.000100", "1800000001.000200", "not-a-ts"])
    pinned = st.fixed_dictionaries({}, optional={"ts": stamps, "text": plausible(["the cause", ""])})
    item = st.fixed_dictionaries({}, optional={"type": plausible(["message", "file"]), "channel": channels,
                                               "ts": stamps, "message": pinned | JSON})
    event = st.fixed_dictionaries(
        {"type": plausible(["message", "app_mention", "reaction_added", "reaction_removed", "pin_added",
                            "pin_removed", "app_home_opened"])},
        optional={"channel": channels, "channel_id": channels, "user": users, "ts": stamps, "thread_ts": stamps,
                  "bot_id": plausible(["B0X"]),
                  "text": plausible(["<@U0KLAXON> db is down", "disk full on db-1", "", "<@U0KLAXON>"]),
                  "subtype": plausible(["bot_message", "message_changed", "message_deleted", "channel_join"]),
                  "channel_type": plausible(["channel", "im", "group"]), "item": item | JSON,
                  "reaction": plausible(["white_check_mark", "+1::skin-tone-3", "eyes"]),
                  "blocks": JSON, "attachments": JSON, "message": JSON, "previous_message": JSON})
    return st.fixed_dictionaries({"type": st.just("event_callback"), "event": event},
                                 optional={"event_id": ANY_TEXT | st.just("Ev1"), "team_id": plausible(["T0KLAXON"]),
                                           "authorizations": JSON, "event_time": JSON})


@EXAMPLES
@given(data=st.data())
def test_any_signed_event_is_answered_below_500_and_nothing_is_dead_lettered(stack, workspace, data):
    body = data.draw(events(workspace))
    delivery = stack.workspace.send_raw(json.dumps(body), signing="valid")
    stack.settle()
    assert delivery.status is not None and delivery.status < 500, (delivery.status, delivery.body)
    assert stack.dead_letters() == []


def interactions(ids: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    action = st.fixed_dictionaries({}, optional={
        "action_id": plausible([a.value for a in ActionId] + ["unknown.action"]),
        "value": plausible([f"{ids['alerts-prod']}/1800000000.000100", "mention/C0OPS/1.1", "alert/nope"]),
        "type": plausible(["button"])})
    values = st.dictionaries(st.sampled_from(["summary", "impact", "severity", "lead", "private", "status", "note"])
                             | ANY_TEXT,
                             st.dictionaries(ANY_TEXT, st.fixed_dictionaries({}, optional={
                                 "value": plausible(["checkout is failing", "", "x" * 400]),
                                 "selected_option": st.fixed_dictionaries({}, optional={
                                     "value": plausible(["1", "3", "identified", "11"])}) | JSON,
                                 "selected_user": plausible([ids["alice"], "not-a-user"]),
                                 "selected_options": JSON}) | JSON, max_size=2), max_size=4)
    view = st.fixed_dictionaries({}, optional={
        "id": plausible(["V0FORM"]), "callback_id": plausible([c.value for c in CallbackId] + ["unknown.form"]),
        "private_metadata": plausible([json.dumps({"channel": ids["ops"]}), "20261129-00000000", "{", ""]),
        "state": st.fixed_dictionaries({}, optional={"values": values | JSON}) | JSON, "type": plausible(["modal"])})
    return st.fixed_dictionaries({"type": plausible(["block_actions", "view_submission", "shortcut",
                                                     "message_action"])}, optional={
        "user": st.fixed_dictionaries({}, optional={"id": plausible([ids["alice"], "U0STRANGER"])}) | JSON,
        "actions": st.lists(action, max_size=2) | JSON, "trigger_id": ANY_TEXT, "response_url": JSON,
        "callback_id": plausible([c.value for c in CallbackId]), "message": st.fixed_dictionaries(
            {}, optional={"ts": plausible(["1800000000.000100"]), "text": ANY_TEXT}) | JSON,
        "channel": st.fixed_dictionaries({}, optional={"id": plausible([ids["ops"]])}) | JSON, "team": JSON,
        "container": JSON, "view": view | JSON})


@EXAMPLES
@given(data=st.data())
def test_any_signed_interaction_is_answered_below_500_and_nothing_is_dead_lettered(stack, workspace, data):
    payload = data.draw(interactions(workspace))
    delivery = stack.workspace.send_raw(urlencode({"payload": json.dumps(payload)}),
                                        content_type="application/x-www-form-urlencoded", signing="valid")
    stack.settle()
    assert delivery.status is not None and delivery.status < 500, (delivery.status, delivery.body)
    assert stack.dead_letters() == []


@EXAMPLES
@given(command=st.sampled_from(["/klaxon", "/incident"]),
       fields=st.dictionaries(st.sampled_from(["command", "text", "user_id", "channel_id", "trigger_id", "team_id",
                                               "response_url", "api_app_id"]), ANY_TEXT, max_size=8))
def test_any_signed_slash_command_form_is_answered_below_500_and_nothing_is_dead_lettered(stack, workspace, command,
                                                                                          fields):
    body = urlencode({"command": command, **{k: v.encode("utf-8", "replace") for k, v in fields.items()}})
    delivery = stack.workspace.send_raw(body, content_type="application/x-www-form-urlencoded", signing="valid")
    stack.settle()
    assert delivery.status is not None and delivery.status < 500, (delivery.status, delivery.body)
    assert stack.dead_letters() == []


# What a person can type: any text that UTF-8 encodes (Slack posts a command's text UTF-8, form-encoded).
TYPED = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
WORDS = st.sampled_from(["rule", "add", "test", "remove", "move", "policy", "set", "level", "after", "repeat",
                         "use", "show", "settings", "channel", "default", "alert", "import", "yaml", "ims", "audit",
                         "report", "export", "help", "to", "#incidents", "#nope", "@alice", "@nobody", "@here",
                         "/disk/", "/(/", "1m", "0s", "verbose", "on", '"label', "hotline", "when", "mon-fri"])


@EXAMPLES
@given(text=st.lists(WORDS | TYPED, max_size=10).map(" ".join))
def test_any_klaxon_command_text_gets_an_answer_the_person_can_read(stack, workspace, text):
    answer = stack.klaxon(workspace["alice"], "#ops", text)  # raises unless acknowledged and answered
    assert answer.strip()
    assert stack.dead_letters() == []


INCIDENT_WORDS = st.sampled_from(["help", "lead", "role", "severity", "summary", "impact", "status", "update",
                                  "action", "actions", "done", "timeline", "duration", "page", "rename", "resolve",
                                  "close", "doc", "postmortem", "list", "open", "closed", "last", "30d", "1", "4",
                                  "identified", "@alice", "@nobody", "comms", "A-1", "db"])


@EXAMPLES
@given(text=st.lists(INCIDENT_WORDS | TYPED, max_size=8).map(" ".join))
def test_any_incident_command_text_is_answered_where_it_was_typed(stack, workspace, text):
    outcome = stack.workspace.command(workspace["alice"], "#ops", "/incident", text)
    stack.settle()
    assert outcome.delivery.status is not None and outcome.delivery.status < 500
    assert stack.dead_letters() == []
