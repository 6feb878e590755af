"""Hostile and odd input through the real handler: answered, never crashing, nothing written."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("", "application/json"),
    ('{"type":"event_callback","event_id":"EvOdd","event":{"type":"brand_new_event_type","x":1}}',
     "application/json"),
    ('{"type":"event_callback","event_id":"EvNoChannel","event":{"type":"message","text":"disk full"}}',
     "application/json"),
    ('{"type":"event_callback","event_id":"EvList","event":[1,2,3]}', "application/json"),
    ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
    ('payload={"type":"block_actions","actions":[{"action_id":"alert.acknowledge","value":"C1/1.0"}],'
     '"user":{"id":"U0X"},"trigger_id":"t1"}', "application/x-www-form-urlencoded"),
    ("command=/klaxon&text=&user_id=U0X", "application/x-www-form-urlencoded"),
])
def test_odd_but_signed_requests_are_answered_without_a_server_error(stack, body, content_type):
    delivery = stack.workspace.send_raw(body, content_type=content_type, signing="valid")
    stack.settle()
    assert delivery.status is not None and delivery.status < 500, (delivery.status, delivery.body)
    assert stack.items("ALERT#") == [] and stack.items("CONFIG") == []


def test_an_unknown_event_type_is_acknowledged_so_slack_does_not_retry_it(stack):
    body = json.dumps({"type": "event_callback", "event_id": "EvNew", "team_id": "T0KLAXON",
                       "event": {"type": "app_home_opened", "user": "U1", "channel": "D1"}})
    delivery = stack.workspace.send_raw(body, signing="valid")
    assert delivery.status == 200


def test_a_huge_message_with_a_catastrophic_rule_is_judged_quickly(stack, alice):
    ws = stack.workspace
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    stack.klaxon(alice, "#alerts-prod", "rule add (a+)+$ to #incidents")
    posted = ws.post("#alerts-prod", "a" * 39_000 + "!", bot="datadog")
    stack.settle()
    assert posted.delivery.ok and ws.messages("#incidents") == []
    assert stack.dead_letters() == []


@pytest.mark.parametrize("timestamp", ["\u00b2", "9" * 5000])
def test_a_slack_timestamp_header_int_cannot_read_is_refused_with_401_not_a_server_error(stack, timestamp):
    # str.isdigit() took both, and int() raised: the door answered 500 to a request nobody signed.
    request = urllib.request.Request(f"{stack.cloud_url}/slack/events", data=b"{}", method="POST", headers={
        "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": "v0=00"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401 and b"not a number" in refused.value.read()


@pytest.mark.parametrize("text", ["silence host=db-7 for " + "9" * 5000 + "s", "audit " + "9" * 5000])
def test_a_number_of_thousands_of_digits_gets_a_clear_answer_and_nothing_is_dead_lettered(stack, alice, text):
    stack.workspace.add_channel("ops")
    answer = stack.klaxon(alice, "#ops", text)
    assert answer.startswith(":warning:") and "internal error" not in answer, answer
    assert stack.dead_letters() == [] and stack.items("AUDIT") == [] and stack.items("SILENCE") == []
