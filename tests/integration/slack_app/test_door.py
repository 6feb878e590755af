"""Through the real handler over HTTP: what comes in unsigned is refused unread; signed nonsense is acknowledged,
logged once and dropped; Klaxon's own lazy work is done whatever its age, and nobody else's is."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest

from infra.stack import SIGNING_SECRET
from klaxon.rules import Rule
from klaxon.slack.door import mark_lazy_work

NOTHING_WRITTEN = ("EVENT#", "ALERT#", "CONFIG", "AUDIT")


def everything_in(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in records)


@pytest.fixture
def scene(stack) -> dict[str, Any]:
    ws = stack.workspace
    incidents = ws.add_channel("incidents")["id"]
    alerts = ws.add_channel("alerts-prod")["id"]
    ws.add_bot("datadog")
    rule = Rule.create(pattern=r"disk (full|\d+%)", target_channel=incidents, label="[Error]")
    stack.configure(lambda config: config.with_rules((rule,)))
    return {"incidents": incidents, "alerts": alerts}


def message_event(channel: str, text: str, event_id: str, ts: str = "1800000000.000100") -> str:
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T0KLAXON",
                       "event": {"type": "message", "channel": channel, "user": "U0MONITOR", "text": text, "ts": ts}})


# ---------------------------------------------------------------------- unauthenticated bodies
@pytest.mark.parametrize("body, content_type", [
    ("[" * 100_000, "application/json"),
    ("payload=" + '{"a":' * 30_000, "application/x-www-form-urlencoded"),
    (b"\xff\xfe\xfa", "application/octet-stream"),  # API Gateway base64-encodes it
    (b"\xff\xfe\xfa", "application/json"),
])
def test_an_unsigned_body_is_refused_with_401_read_by_nobody_and_logged_by_its_size_only(stack, logged, body,
                                                                                         content_type):
    delivery = stack.workspace.send_raw(body, content_type=content_type, signing="none")
    stack.settle()

    assert delivery.status == 401 and "not signed" in delivery.body
    assert all(stack.items(prefix) == [] for prefix in NOTHING_WRITTEN) and stack.dead_letters() == []
    shown = everything_in(logged)
    assert "[" * 50 not in shown and '{"a":{"a":' not in shown and "\\xff" not in shown
    (refusal,) = [r for r in logged if r.getMessage() == "Slack request answered at the door"]
    assert refusal.status == 401 and refusal.body_length > 0


@pytest.mark.parametrize("signing, age, reason", [("bad", 0, "wrong"), ("valid", 400, "five minutes old")])
def test_a_badly_signed_or_stale_body_is_refused_with_401_and_not_logged(stack, scene, logged, signing, age, reason):
    body = message_event(scene["alerts"], "disk full SECRET-LOOKING-CONTENT", "EvForged")
    delivery = stack.workspace.send_raw(body, signing=signing, timestamp_age=age)
    stack.settle()
    assert delivery.status == 401 and reason in delivery.body
    assert "SECRET-LOOKING-CONTENT" not in everything_in(logged)
    assert stack.workspace.messages("#incidents") == [] and stack.items("EVENT#") == []


def test_a_signed_request_carrying_bolts_lazy_headers_is_refused(stack, scene, local_stack):
    """Over HTTP a lazy-only request would run the work in the request, outside the retries and the DLQ."""
    _, cloud = local_stack
    body = message_event(scene["alerts"], "disk full", "EvSneaky").encode()
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"{cloud.url}/slack/events", data=body, method="POST", headers={
        "content-type": "application/json", "x-slack-request-timestamp": timestamp,
        "x-slack-signature": f"v0={digest}", "x-slack-bolt-lazy-only": "1",
        "x-slack-bolt-lazy-function-name": "judge_message"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    stack.settle()
    assert refused.value.code == 401 and b"only from Klaxon itself" in refused.value.read()
    assert stack.workspace.messages("#incidents") == [] and stack.items("EVENT#") == []


# ---------------------------------------------------------------------- signed, but meaningless
def rich_text_nested(depth: int) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "text", "text": "disk full"}
    for _ in range(depth):
        element = {"type": "rich_text_list", "style": "bullet", "elements": [element]}
    return {"type": "rich_text", "elements": [element]}


def test_rich_text_nested_3000_levels_is_acknowledged_logged_once_and_dropped(stack, scene, logged):
    event = json.loads(message_event(scene["alerts"], "disk full", "EvDeep"))
    event["event"]["blocks"] = [rich_text_nested(3_000)]
    delivery = stack.workspace.send_raw(json.dumps(event), signing="valid")
    stack.settle()

    assert delivery.status == 200, (delivery.status, delivery.body)
    (dropped,) = [r for r in logged if r.getMessage() == "Slack request answered at the door"]
    assert dropped.status == 200 and "nested deeper" in dropped.reason
    assert stack.items("EVENT#") == [], "no lazy work was started for it"
    assert stack.dead_letters() == [] and stack.workspace.messages("#incidents") == []


def test_an_interaction_payload_nested_too_deep_is_acknowledged_and_dropped(stack, logged):
    payload = '{"type":"block_actions","actions":' + "[" * 30_000 + "]" * 30_000 + "}"
    delivery = stack.workspace.send_raw("payload=" + payload, content_type="application/x-www-form-urlencoded")
    stack.settle()
    assert delivery.status == 200 and stack.dead_letters() == []


# ---------------------------------------------------------------------- Klaxon's own lazy work
def test_work_accepted_at_the_ack_is_done_although_the_request_is_over_five_minutes_old(stack, scene,
                                                                                       local_stack):
    _, cloud = local_stack
    with cloud.async_invoker.backlogged() as backlog:  # Lambda's asynchronous queue backs up
        delivery = stack.workspace.send_raw(message_event(scene["alerts"], "disk 97% on db-1", "EvOld"),
                                            signing="valid", timestamp_age=298)
        assert delivery.status == 200 and len(backlog) == 1
        time.sleep(3)  # the signed request is now more than five minutes old
    stack.settle()

    (repost,) = stack.workspace.messages("#incidents")
    assert "disk 97% on db-1" in repost["blocks"][0]["text"]["text"]
    assert stack.dead_letters() == []


def lambda_client(cloud) -> Any:
    return boto3.client("lambda", endpoint_url=cloud.url, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def lazy_invocation(cloud, scene, function_name: str, secret: str) -> dict[str, Any]:
    """A lazy re-invocation as Klaxon makes one (the event API Gateway built, Bolt's headers, the mark)."""
    body = message_event(scene["alerts"], "disk full on db-7", "EvLazy")
    event = {"version": "2.0", "routeKey": "POST /slack/events", "rawPath": "/slack/events", "rawQueryString": "",
             "headers": {"content-type": "application/json", "x-slack-bolt-lazy-only": "1",
                         "x-slack-bolt-lazy-function-name": function_name},
             "requestContext": {"http": {"method": "POST", "path": "/slack/events"}},
             "isBase64Encoded": False, "body": body}
    return mark_lazy_work(event, secret)


def invoke_async(cloud, payload: dict[str, Any]) -> None:
    lambda_client(cloud).invoke(FunctionName="klaxon-local-slack-app", InvocationType="Event",
                                Payload=json.dumps(payload))


def test_lazy_work_marked_by_klaxon_is_done_without_any_slack_signature(stack, scene, local_stack):
    _, cloud = local_stack
    invoke_async(cloud, lazy_invocation(cloud, scene, "judge_message", SIGNING_SECRET))
    stack.settle()
    assert len(stack.workspace.messages("#incidents")) == 1 and stack.dead_letters() == []


def test_an_invocation_posing_as_lazy_work_is_refused_loudly(stack, scene, local_stack):
    _, cloud = local_stack
    invoke_async(cloud, lazy_invocation(cloud, scene, "judge_message", "somebody-elses-secret"))
    stack.settle()
    (letter,) = stack.dead_letters()
    assert "LazyWorkRefused" in letter["error"]
    assert stack.workspace.messages("#incidents") == []


def test_lazy_work_no_listener_runs_is_an_error_not_a_silent_return(stack, scene, local_stack):
    _, cloud = local_stack
    invoke_async(cloud, lazy_invocation(cloud, scene, "a_listener_an_older_release_had", SIGNING_SECRET))
    stack.settle()
    (letter,) = stack.dead_letters()
    assert "LazyWorkFailed" in letter["error"] and "no lazy listener ran" in letter["error"]
