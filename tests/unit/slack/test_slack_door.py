"""The door of POST /slack/events (klaxon.slack.door): Slack's signature before any parsing, signed
nonsense acknowledged and dropped, and Klaxon's own lazy work let in by its mark whatever its age."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from klaxon.slack.door import LAZY_WORK, admit, genuine_lazy_work, is_lazy_work, mark_lazy_work

SECRET = "door-test-signing-secret"
NOW = 1_800_000_000.0


def request(body: str | bytes, content_type: str = "application/json", *, signed: str | None = "valid",
            age: float = 0, encoded: bool | None = None, headers: dict | None = None) -> dict:
    """A payload-v2 event as API Gateway builds it from what a client sent (bytes that are not text: base64)."""
    raw = body if isinstance(body, bytes) else body.encode()
    timestamp = str(int(NOW - age))
    sent = {"content-type": content_type}
    if signed:
        secret = SECRET if signed == "valid" else "not-the-secret"
        digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256).hexdigest()
        sent.update({"x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest}"})
    sent.update(headers or {})
    binary = isinstance(body, bytes) if encoded is None else encoded
    return {"version": "2.0", "headers": sent, "isBase64Encoded": binary,
            "body": base64.b64encode(raw).decode() if binary else raw.decode(),
            "requestContext": {"http": {"method": "POST"}}}


def verdict(event: dict):
    return admit(event, SECRET, lambda: NOW)


# ---------------------------------------------------------------------- unauthenticated: refused unread
@pytest.mark.parametrize("body, content_type", [
    ("[" * 100_000, "application/json"),  # deeper than any JSON parser goes
    ("payload=" + '{"a":' * 30_000, "application/x-www-form-urlencoded"),
    (b"\xff\xfe\xfa", "application/octet-stream"),  # API Gateway base64-encodes it
    ('{"type":"event_callback","event":{"type":"message","text":"disk full"}}', "application/json"),
    ("command=%2Fklaxon&text=rule+remove+r-1&user_id=U0EVE", "application/x-www-form-urlencoded"),
])
def test_an_unsigned_body_is_refused_with_401_before_anything_reads_it(body, content_type):
    refused = verdict(request(body, content_type, signed=None))
    assert (refused.status, refused.reason) == (401, "the request is not signed")


@pytest.mark.parametrize("event, reason", [
    (request("[" * 100_000, signed="bad"), "the signature is wrong"),
    (request("payload=" + '{"a":' * 30_000, "application/x-www-form-urlencoded", signed="bad"), "wrong"),
    (request('{"type":"event_callback"}', age=301), "more than five minutes old"),
    (request('{"type":"event_callback"}', age=-301), "more than five minutes old"),
    (request(b"\xff\xfe\xfa", "application/octet-stream"), "not text Slack signed"),
    (request("{}", headers={"x-slack-request-timestamp": "soon"}), "not a number"),
    # Digits int() refuses or cannot take: str.isdigit() let them through, and the door answered 500.
    (request("{}", headers={"x-slack-request-timestamp": "\u00b2"}), "not a number"),
    (request("{}", headers={"x-slack-request-timestamp": "\u0661\u0668\u0660\u0660"}), "not a number"),
    (request("{}", headers={"x-slack-request-timestamp": "9" * 5000}), "not a number"),
    (request("{}", headers={"x-slack-bolt-lazy-only": "1"}), "lazy work comes only from Klaxon itself"),
    (request("{}", headers={"x-slack-bolt-lazy-function-name": "judge_message"}), "only from Klaxon itself"),
])
def test_a_badly_signed_stale_or_binary_request_is_refused_with_401_naming_why(event, reason):
    refused = verdict(event)
    assert refused.status == 401 and reason in refused.reason


def test_a_body_that_is_not_base64_although_api_gateway_says_so_is_a_400():
    event = request("{}") | {"isBase64Encoded": True, "body": "not base64!"}
    assert verdict(event).status == 400


def test_the_signature_is_checked_over_the_bytes_api_gateway_decoded():
    body = '{"type":"event_callback","event":{"type":"message","text":"disk full ✓"}}'
    assert verdict(request(body, encoded=True)).admitted and verdict(request(body)).admitted


# ---------------------------------------------------------------------- signed: read, or acknowledged and dropped
# Payloads as Slack sends them, each kind with what every one of its kind carries.
USER, TRIGGER = {"id": "U0ALICE"}, "t-1"
VIEW = {"id": "V0FORM", "type": "modal", "callback_id": "incident.declare", "private_metadata": "",
        "state": {"values": {}}}
PIN = {"type": "pin_added", "user": "U0ALICE", "channel_id": "C0COMMS",
       "item": {"type": "message", "channel": "C0COMMS", "message": {"ts": "1.1", "text": "the cause"}}}
SLACK_SHAPED = {
    "block_actions": {"type": "block_actions", "user": USER, "trigger_id": TRIGGER,
                      "actions": [{"action_id": "alert.acknowledge", "value": "C0ALERTS/1.1"}]},
    "view_submission": {"type": "view_submission", "user": USER, "trigger_id": TRIGGER, "view": VIEW},
    "message_action": {"type": "message_action", "user": USER, "trigger_id": TRIGGER,
                       "callback_id": "incident.declare_from_message", "channel": {"id": "C0OPS"},
                       "message": {"ts": "1.1", "text": "checkout is failing"}},
    "shortcut": {"type": "shortcut", "user": USER, "trigger_id": TRIGGER, "callback_id": "incident.declare"},
}


@pytest.mark.parametrize("body, content_type", [
    ('{"type":"event_callback","event":{"type":"message"}}', "application/json"),
    (json.dumps({"type": "event_callback", "event": PIN}), "application/json"),
    (json.dumps({"type": "event_callback", "event": {**PIN, "type": "pin_removed"}}), "application/json"),
    ('{"type":"url_verification","challenge":"x"}', "application/json"),
    ("", "application/json"),
    *(("payload=" + json.dumps(payload), "application/x-www-form-urlencoded") for payload in SLACK_SHAPED.values()),
    ("command=%2Fklaxon&text=help&user_id=U0ALICE&channel_id=C0OPS&trigger_id=t-2",
     "application/x-www-form-urlencoded"),
    ("command=%2Fincident&text=&user_id=U0ALICE&channel_id=C0OPS&trigger_id=t-3",
     "application/x-www-form-urlencoded"),
])
def test_a_signed_slack_shaped_body_is_let_in(body, content_type):
    assert verdict(request(body, content_type)).admitted


def rich_text_nested(depth: int) -> str:
    """A message event whose rich text nests `depth` lists deep (Python's json gives up near 1,000)."""
    inner = '{"type":"text","text":"disk full"}'
    for _ in range(depth):
        inner = '{"type":"rich_text_list","elements":[' + inner + "]}"
    block = '{"type":"rich_text","elements":[' + inner + "]}"
    return ('{"type":"event_callback","event_id":"EvDeep","event":{"type":"message","channel":"C1",'
            '"ts":"1.1","user":"U1","text":"","blocks":[' + block + "]}}")


@pytest.mark.parametrize("body, content_type, problem", [
    (rich_text_nested(3_000), "application/json", "nested deeper than the 100 levels"),
    (rich_text_nested(50), "application/json", "nested deeper than the 100 levels"),
    ('{"type":"event_callback","event":{"type":"message","blocks":' + "[" * 20_000 + "]" * 20_000 + "}}",
     "application/json", "nested deeper than it can be read"),
    ("payload=" + '{"a":' * 30_000, "application/x-www-form-urlencoded", "nested deeper than it can be read"),
    ("{not json", "application/json", "not valid JSON"),
    ("payload=%7Bbroken", "application/x-www-form-urlencoded", "not valid JSON"),
    ("[1, 2]", "application/json", "JSON object"),
    ('{"event": "a string"}', "application/json", "JSON object"),
    ('{"event": [1, 2]}', "application/json", "JSON object"),
])
def test_a_signed_body_that_cannot_mean_anything_is_acknowledged_with_200_and_named(body, content_type, problem):
    dropped = verdict(request(body, content_type))
    assert dropped.status == 200 and problem in dropped.reason


@pytest.mark.parametrize("payload, problem", [  # found by tests/*/test_surface_properties.py: Bolt's 500s
    ({"type": "event_callback", "event": {"type": []}}, "an event without a string `type`"),
    ({"type": "event_callback", "event": {"text": "disk full"}}, "an event without a string `type`"),
    ({"type": 7, "actions": []}, "`type` is not a string"),
    ({"type": "view_submission", "view": None}, "a `view` that is not an object"),
    ({"type": "block_actions", "actions": []}, "block_actions without actions"),
    ({"type": "block_actions", "actions": {}}, "block_actions without actions"),
    ({"type": "block_actions", "actions": [{"type": "button"}]}, "block_actions without actions"),
    ({"type": "block_actions", "actions": [{"action_id": 5}]}, "block_actions without actions"),
])
def test_a_signed_payload_off_slacks_envelope_is_acknowledged_and_named(payload, problem):
    assert_dropped(payload, problem)


def without(payload: dict, *path: str) -> dict:
    copy = json.loads(json.dumps(payload))
    *parents, last = path
    target = copy
    for key in parents:
        target = target[key]
    target.pop(last)
    return copy


@pytest.mark.parametrize("payload, problem", [
    (without(SLACK_SHAPED["view_submission"], "view", "callback_id"),
     "a view_submission payload without a string `view.callback_id`"),
    ({**SLACK_SHAPED["view_submission"], "view": {**VIEW, "id": 7}}, "without a string `view.id`"),
    # found by tests/integration/slack_app/test_surface_properties.py: Bolt reads a submitted view's type
    (without(SLACK_SHAPED["view_submission"], "view", "type"), "without a string `view.type`"),
    (without(SLACK_SHAPED["view_submission"], "user"), "a view_submission payload without a string `user.id`"),
    (without(SLACK_SHAPED["view_submission"], "trigger_id"), "without a string `trigger_id`"),
    (without(SLACK_SHAPED["message_action"], "channel"), "a message_action payload without a string `channel.id`"),
    ({**SLACK_SHAPED["message_action"], "message": "checkout is failing"},
     "a message_action payload without an object `message`"),
    ({**SLACK_SHAPED["message_action"], "callback_id": ["incident.declare_from_message"]},
     "without a string `callback_id`"),
    (without(SLACK_SHAPED["shortcut"], "callback_id"), "a shortcut payload without a string `callback_id`"),
    ({**SLACK_SHAPED["shortcut"], "user": "U0ALICE"}, "a shortcut payload without a string `user.id`"),
    (without(SLACK_SHAPED["block_actions"], "user"), "a block_actions payload without a string `user.id`"),
    (without(SLACK_SHAPED["block_actions"], "trigger_id"), "a block_actions payload without a string `trigger_id`"),
    ({"type": "event_callback", "event": without(PIN, "item")}, "a pin_added event without an object `item`"),
    ({"type": "event_callback", "event": {**PIN, "item": "1.1"}}, "a pin_added event without an object `item`"),
    ({"type": "event_callback", "event": without({**PIN, "type": "pin_removed"}, "channel_id")},
     "a pin_removed event without a string `channel_id`"),
    ({"type": "event_callback", "event": without(PIN, "user")}, "a pin_added event without a string `user`"),
])
def test_each_kind_klaxon_listens_to_must_carry_what_every_one_of_its_kind_does(payload, problem):
    assert_dropped(payload, problem)


@pytest.mark.parametrize("body, problem", [
    ("command=%2Fincident&text=&channel_id=C0OPS&trigger_id=t-3", "a slash command without a string `user_id`"),
    ("command=%2Fincident&text=&user_id=U0ALICE&trigger_id=t-3", "a slash command without a string `channel_id`"),
    ("command=%2Fklaxon&text=help&user_id=U0ALICE&channel_id=C0OPS", "a slash command without a string `trigger_id`"),
])
def test_a_slash_command_must_carry_who_typed_it_where_and_its_trigger(body, problem):
    dropped = verdict(request(body, "application/x-www-form-urlencoded"))
    assert dropped.status == 200 and problem in dropped.reason


def assert_dropped(payload: dict, problem: str) -> None:
    """As JSON and as an interaction's form, the payload is acknowledged with 200 and its problem named."""
    as_form = "payload=" + json.dumps(payload)
    for body, content_type in ((json.dumps(payload), "application/json"),
                               (as_form, "application/x-www-form-urlencoded")):
        dropped = verdict(request(body, content_type))
        assert dropped.status == 200 and problem in dropped.reason


def test_rich_text_nested_as_deep_as_slack_allows_is_let_in():
    assert verdict(request(rich_text_nested(10))).admitted


# ---------------------------------------------------------------------- Klaxon's own lazy work
def lazy_event() -> dict:
    event = request('{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}', age=3600)
    event["headers"].update({"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": "judge_message"})
    return event


def test_lazy_work_marked_by_klaxon_is_genuine_whatever_its_age():
    event = lazy_event()
    marked = mark_lazy_work(event, SECRET)
    assert is_lazy_work(marked) and not is_lazy_work(event)
    assert genuine_lazy_work(json.loads(json.dumps(marked)), SECRET) == event, "as Lambda delivers it"


@pytest.mark.parametrize("tamper", [
    lambda e: e.update(body=e["body"].replace("message", "app_mention")),
    lambda e: e["headers"].update({"x-slack-bolt-lazy-function-name": "run_klaxon_command"}),
    lambda e: e.update(extra="anything"),
    lambda e: e.update({LAZY_WORK: {"signature": "0" * 64}}),
    lambda e: e.update({LAZY_WORK: {}}),
    lambda e: e.update({LAZY_WORK: "a string"}),
])
def test_lazy_work_altered_or_marked_by_anyone_else_is_not_genuine(tamper):
    marked = json.loads(json.dumps(mark_lazy_work(lazy_event(), SECRET)))
    tamper(marked)
    assert genuine_lazy_work(marked, SECRET) is None


def test_a_mark_made_with_another_deployments_secret_is_not_genuine():
    assert genuine_lazy_work(mark_lazy_work(lazy_event(), "another-signing-secret"), SECRET) is None
