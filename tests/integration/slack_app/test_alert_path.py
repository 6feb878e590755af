"""A monitoring message in a watched channel becomes one repost, through the whole Slack path."""

from __future__ import annotations

from typing import Any

import pytest

from infra.driver import StackDriver
from klaxon.rules import Rule


def add_rule(stack: StackDriver, pattern: str, target: str, label: str) -> Rule:
    """Store a rule through Klaxon's own configuration repository (set-up, not the slash command)."""
    rule = Rule.create(pattern=pattern, target_channel=target, label=label)
    stack.configure(lambda config: config.with_rules((*config.rules, rule)))
    return rule


@pytest.fixture
def scene(stack: StackDriver) -> dict[str, Any]:
    ws = stack.workspace
    incidents = ws.add_channel("incidents")["id"]
    alerts = ws.add_channel("alerts-prod")["id"]
    datadog = ws.add_bot("datadog")
    add_rule(stack, r"disk (full|\d+%)", incidents, "[Error]")
    return {"incidents": incidents, "alerts": alerts, "bot": datadog["bot_id"]}


def test_slack_url_verification_is_answered(stack):
    delivery = stack.workspace.verify_url("challenge-me")
    assert delivery.status == 200 and delivery.json()["challenge"] == "challenge-me"


def test_a_matching_bot_message_is_reposted_once_with_label_and_permalink(stack, scene):
    posted = stack.workspace.post("#alerts-prod", "disk 91% full on db-1", bot="datadog")
    stack.settle()

    assert posted.delivery.status == 200 and not posted.delivery.late
    (repost,) = stack.workspace.messages("#incidents")
    summary = repost["blocks"][0]["text"]["text"]
    assert "[Error]" in summary and "disk 91% full on db-1" in summary
    origin = repost["blocks"][1]["elements"][0]["text"]
    assert f"/archives/{scene['alerts']}/p{posted.ts.replace('.', '')}" in origin
    (alert,) = stack.items("ALERT#")
    assert alert["post_ts"] == repost["ts"] and alert["label"] == "[Error]"


def test_an_unmatched_message_is_left_alone(stack, scene):
    stack.workspace.post("#alerts-prod", "deploy finished", bot="datadog")
    stack.settle()
    assert stack.workspace.messages("#incidents") == [] and stack.items("ALERT#") == []


def test_a_slack_retry_of_the_same_event_never_reposts(stack, scene):
    posted = stack.workspace.post("#alerts-prod", "disk full on db-2", bot="datadog")
    stack.settle()
    for attempt in (1, 2, 3):
        retry = stack.workspace.redeliver(posted.delivery.id, retry_num=attempt, reason="http_timeout")
        assert retry.status == 200
    stack.settle()
    assert len(stack.workspace.messages("#incidents")) == 1
    assert len(stack.items("ALERT#")) == 1


def test_klaxons_own_repost_is_not_matched_again(stack, scene):
    stack.workspace.post("#alerts-prod", "disk full on db-3", bot="datadog")
    stack.settle()
    incidents_events = [d for d in stack.workspace.deliveries()
                        if d.event_type == "message" and scene["incidents"] in d.request_body]
    assert incidents_events, "Slack tells the app about its own post"
    assert len(stack.workspace.messages("#incidents")) == 1


@pytest.mark.parametrize("signing,age", [("bad", 0), ("none", 0), ("valid", 600)])
def test_a_bad_or_stale_signature_is_refused_and_nothing_is_written(stack, scene, signing, age):
    body = ('{"type":"event_callback","event_id":"EvForged","team_id":"T0KLAXON","event":{"type":"message",'
            f'"channel":"{scene["alerts"]}","user":"U0EVIL","text":"disk full","ts":"1700000000.000100"}}}}')
    delivery = stack.workspace.send_raw(body, signing=signing, timestamp_age=age)
    stack.settle()
    assert delivery.status == 401
    assert stack.items("EVENT#") == [] and stack.items("ALERT#") == []


def test_a_rate_limited_post_waits_and_still_reposts(stack, scene):
    stack.workspace.rate_limit("chat.postMessage", count=1, retry_after=1)
    stack.workspace.post("#alerts-prod", "disk full on db-4", bot="datadog")
    stack.settle()
    assert len(stack.workspace.messages("#incidents")) == 1
    posts = stack.workspace.calls("chat.postMessage")
    assert [c.error for c in posts][:2] == ["ratelimited", None]


def test_work_that_keeps_failing_is_retried_then_dead_lettered_not_lost(stack, scene):
    # Three invocations (Lambda's first try and two retries), each trying three times (slack_sdk's retries).
    stack.workspace.fail_next("chat.postMessage", count=3 * 3, status=503)
    posted = stack.workspace.post("#alerts-prod", "disk full on db-5", bot="datadog")
    stack.settle()
    letters = stack.dead_letters()
    assert len(letters) == 1 and "LazyWorkFailed" in letters[0]["error"]
    assert len(stack.workspace.calls("chat.postMessage")) == 3 * 3
    assert stack.workspace.messages("#incidents") == []
    # The claim was released, so Slack's next retry of the event is processed normally.
    stack.workspace.redeliver(posted.delivery.id, retry_num=1, reason="http_error")
    stack.settle()
    assert len(stack.workspace.messages("#incidents")) == 1


def test_a_post_slack_made_but_answered_too_late_is_found_again_not_posted_twice(stack, scene, monkeypatch):
    monkeypatch.setattr("klaxon.slack.client.TIMEOUT_SECONDS", 1)
    stack.workspace.answer_late("chat.postMessage", delay=1.5)  # carried out; the answer comes after Klaxon gave up
    stack.workspace.post("#alerts-prod", "disk full on db-6", bot="datadog")
    stack.settle()
    (repost,) = stack.workspace.messages("#incidents")
    (alert,) = stack.items("ALERT#")
    assert alert["post_ts"] == repost["ts"] and stack.dead_letters() == []
    assert repost["metadata"] == {"event_type": "klaxon_alert", "event_payload": {"id": alert["id"]}}
