"""POST /webhooks/generic through the local cloud: real HTTP into the real webhooks handler (Powertools'
resolver, the secret from Secrets Manager as the template defines it, moto's DynamoDB), and the alert
posted to the emulated workspace, acknowledged by a reaction, resolved by its source."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from infra.stack import WEBHOOK_SECRET
from klaxon.bootstrap import cold_start
from tests.integration.slack_app.posts import block, nothing_stored, posts

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def webhooks(stack, alice, monkeypatch):
    """#incidents as the deployment's incidents channel: where webhook alerts go without a rule."""
    incidents = stack.workspace.add_channel("incidents")["id"]
    monkeypatch.setenv("INCIDENTS_CHANNEL", incidents)
    cold_start()  # the next request's container reads the environment afresh
    return stack


def send(stack, body, secret=WEBHOOK_SECRET, **headers):
    return stack.webhook("generic", body, secret=secret, headers=headers or None)


# ------------------------------------------------------------------------------------------------ answers
def test_an_alert_is_posted_with_where_it_came_from(webhooks):
    status, answer = send(webhooks, {"title": "checkout p99 above 2s", "text": "p99 is 2.4s", "severity": "critical",
                                     "link": "https://grafana.example.com/d/checkout", "host": "api-3",
                                     "labels": {"team": "payments"}, "dedup_key": "checkout-latency"})

    assert status == 200 and answer["alerts"][0]["outcome"] == "new"
    (post,) = posts(webhooks)
    assert "[Critical]" in block(post, "alert.summary") and "checkout p99 above 2s" in block(post, "alert.summary")
    origin = block(post, "alert.origin")
    assert "*generic*" in origin and "host `api-3`" in origin and "team=payments" in origin
    assert "<https://grafana.example.com/d/checkout|details>" in origin
    (stored,) = webhooks.items("ALERT#")
    assert stored["post_ts"] == post["ts"] and stored["origin"] == "external"


def test_an_alert_slack_will_not_take_now_is_answered_as_taken_and_posted_once_by_the_sweep(webhooks):
    webhooks.workspace.fail_next("chat.postMessage", count=3)  # the first try and both of slack_sdk's retries
    status, answer = send(webhooks, {"title": "checkout p99 above 2s", "dedup_key": "checkout-latency"})
    assert status == 200 and answer["alerts"][0] == {"dedup_key": "checkout-latency", "status": "firing",
                                                      "outcome": "new", "alert": answer["alerts"][0]["alert"],
                                                      "posted": False}
    assert posts(webhooks) == [] and webhooks.dead_letters() == []

    webhooks.sweep()
    webhooks.sweep()
    (post,) = posts(webhooks)
    assert "checkout p99 above 2s" in block(post, "alert.summary")


@pytest.mark.parametrize("secret, headers, why", [
    (None, {}, "Authorization: Bearer"),
    ("not-the-secret", {}, "wrong secret"),
    (None, {"authorization": f"Basic {WEBHOOK_SECRET}"}, "basic auth's password"),  # not base64(user:secret)
])
def test_a_missing_or_wrong_secret_gets_401_and_nothing_is_stored(webhooks, secret, headers, why):
    status, answer = send(webhooks, {"title": "checkout p99 above 2s"}, secret, **headers)
    assert status == 401 and why in answer["error"]
    assert nothing_stored(webhooks) and posts(webhooks) == []


@pytest.mark.parametrize("body, named", [
    (b'{"title": "disk full', "Invalid JSON"),
    (b"", "Invalid JSON"),
    (b'{"title": "caf\xe9"}', "Invalid JSON: the body is not UTF-8"),  # Latin-1, not a replaced character
    (b'{"title": "\xed\xa0\x80"}', "Invalid JSON: the body is not UTF-8"),  # an encoded lone surrogate
    ({"text": "no title"}, "title: Field required"),
    ({"title": ""}, "title: String should have at least 1 character"),
    ({"title": "x", "status": "ok"}, "status: Input should be 'firing' or 'resolved'"),
    ({"title": "x", "severity": "urgent"}, "severity: Input should be 'critical', 'major', 'minor' or 'info'"),
    ({"title": "x", "link": "javascript:alert(1)"}, "link: URL scheme should be 'http' or 'https'"),
    ({"title": "x", "occurred_at": "2026-11-29T10:00:00"}, "occurred_at: Input should have timezone info"),
    ({"title": "x", "labels": {"team": 7}}, "labels.team: Input should be a valid string"),
    ({"title": "x", "severty": "major"}, "severty: Extra inputs are not permitted"),
    ([{"title": "ok"}, {"text": "second has none"}], "[1].title: Field required"),
    ([], "List should have at least 1 item"),
])
def test_malformed_json_or_a_bad_field_gets_400_naming_it_and_nothing_is_stored(webhooks, body, named):
    status, answer = send(webhooks, body)
    assert status == 400 and named in answer["error"]
    assert nothing_stored(webhooks) and posts(webhooks) == []


@pytest.mark.parametrize("body", [
    "\ufeff" + json.dumps({"title": "café on db-7"}),  # a byte-order mark, as some Windows tools write
    "\ufeff" + json.dumps([{"title": "café on db-7"}]),
])
def test_utf8_with_a_byte_order_mark_is_read_as_the_other_sources_read_it(webhooks, body):
    status, answer = send(webhooks, body.encode("utf-8"))
    assert status == 200, answer
    webhooks.sweep()
    (post,) = posts(webhooks)
    assert "café on db-7" in block(post, "alert.summary")


def test_a_body_over_256_kb_gets_413_before_it_is_read(webhooks):
    status, answer = send(webhooks, {"title": "huge", "text": "x" * (256 * 1024)})
    assert status == 413 and "256 KB" in answer["error"] and nothing_stored(webhooks)


def test_an_unknown_source_gets_404(webhooks):
    status, answer = webhooks.webhook("nagios", {"title": "x"}, secret=WEBHOOK_SECRET)
    assert status == 404 and answer["error"].startswith("unknown webhook source 'nagios'; known: generic, gcp")


# ------------------------------------------------------------------------------------------------ lifecycle
def test_the_same_alert_twice_is_one_post_with_a_count(webhooks):
    send(webhooks, {"title": "disk 91% on db-7", "occurred_at": at(0)})
    status, answer = send(webhooks, {"title": "disk 93% on db-7", "occurred_at": at(1)})

    assert status == 200 and answer["alerts"][0]["outcome"] == "repeat"
    (post,) = posts(webhooks)
    assert "*seen 2 times*" in block(post, "alert.origin")


def test_an_event_older_than_the_stored_one_changes_nothing(webhooks):
    send(webhooks, {"title": "queue backlog", "occurred_at": at(5)})
    send(webhooks, {"title": "queue backlog", "status": "resolved", "occurred_at": at(9)})
    status, answer = send(webhooks, {"title": "queue backlog", "occurred_at": at(7)})  # delivered late

    assert status == 200 and answer["alerts"][0]["outcome"] == "stale"
    (post,) = posts(webhooks)
    assert block(post, "alert.state").startswith("Resolved by generic")


def test_a_resolve_resolves_the_alert_and_its_post_says_the_source_did(webhooks):
    send(webhooks, {"title": "checkout p99 above 2s", "dedup_key": "checkout-latency", "occurred_at": at(0)})
    status, answer = send(webhooks, {"title": "checkout p99 back under 2s", "dedup_key": "checkout-latency",
                                     "status": "resolved", "occurred_at": at(3)})

    assert status == 200 and answer["alerts"][0]["outcome"] == "resolve"
    (post,) = posts(webhooks)
    assert block(post, "alert.state").startswith("Resolved by generic")
    assert not any(b["block_id"] == "alert.actions" and len(b["elements"]) > 1 for b in post["blocks"])
    (stored,) = webhooks.items("ALERT#")
    assert stored["resolved_by"] == "webhook:generic" and stored["due_kind"] == f"handled#{stored['target_channel']}"


def test_a_resolve_for_an_unknown_alert_is_kept_not_posted_so_an_older_firing_is_ignored(webhooks):
    status, answer = send(webhooks, {"title": "cache misses", "status": "resolved", "occurred_at": at(10)})
    assert status == 200 and answer["alerts"][0]["outcome"] == "kept"
    assert posts(webhooks) == [] and webhooks.items("ALERT#") == []
    (state,) = webhooks.items("SOURCE#generic#")
    assert state["status"] == "resolved"

    assert send(webhooks, {"title": "cache misses", "occurred_at": at(9)})[1]["alerts"][0]["outcome"] == "stale"
    assert posts(webhooks) == []
    assert send(webhooks, {"title": "cache misses", "occurred_at": at(11)})[1]["alerts"][0]["outcome"] == "new"
    assert len(posts(webhooks)) == 1


def test_a_firing_shortly_after_its_resolve_reopens_the_same_alert(webhooks):
    send(webhooks, {"title": "api 5xx", "occurred_at": at(0)})
    send(webhooks, {"title": "api 5xx", "status": "resolved", "occurred_at": at(2)})
    status, answer = send(webhooks, {"title": "api 5xx", "occurred_at": at(5)})  # within the 10-minute window

    assert status == 200 and answer["alerts"][0]["outcome"] == "reopen"
    (post,) = posts(webhooks)
    assert block(post, "alert.state") == "Nobody has acknowledged this yet"
    (stored,) = webhooks.items("ALERT#")
    assert stored["count"] == 2 and "resolved_by" not in stored
    assert stored["due_kind"] == f"unacked#{stored['target_channel']}"


def test_a_firing_long_after_its_resolve_is_a_new_alert(webhooks):
    send(webhooks, {"title": "api 5xx", "occurred_at": at(0)})
    send(webhooks, {"title": "api 5xx", "status": "resolved", "occurred_at": at(2)})
    status, answer = send(webhooks, {"title": "api 5xx", "occurred_at": at(30)})

    assert status == 200 and answer["alerts"][0]["outcome"] == "new"
    first, second = posts(webhooks)
    assert block(first, "alert.state").startswith("Resolved by generic")
    assert block(second, "alert.state") == "Nobody has acknowledged this yet"
    assert sorted(item["id"].rsplit(":", 1)[1] for item in webhooks.items("ALERT#")) == ["1", "2"]


def test_one_request_carries_many_alerts_each_its_own(webhooks):
    status, answer = send(webhooks, [{"title": "disk full on db-1", "dedup_key": "disk-db-1"},
                                     {"title": "disk full on db-2", "dedup_key": "disk-db-2"},
                                     {"title": "disk full on db-1", "dedup_key": "disk-db-1"}])

    assert status == 200 and [a["outcome"] for a in answer["alerts"]] == ["new", "new", "repeat"]
    assert len(posts(webhooks)) == 2


# ------------------------------------------------------------------------------------------------ with Slack
def test_a_rule_scoped_to_the_source_routes_and_labels_it(webhooks, alice):
    webhooks.workspace.add_channel("payments")
    answer = webhooks.klaxon(alice, "#incidents", 'rule add /checkout/ to #payments label "[Payments]" '
                                                  "from webhook:generic")
    assert answer.startswith(":white_check_mark:") and "from webhook:generic" in answer

    send(webhooks, {"title": "checkout p99 above 2s"})
    send(webhooks, {"title": "search p99 above 2s"})

    (routed,) = posts(webhooks, "#payments")
    assert "[Payments]" in block(routed, "alert.summary")
    assert len(posts(webhooks)) == 1, "the other alert, unmatched, goes to the incidents channel"
    assert "from webhook:generic" in webhooks.klaxon(alice, "#incidents", "rule list")


def test_a_handled_reaction_on_the_post_acknowledges_a_webhook_alert(webhooks, alice):
    send(webhooks, {"title": "checkout p99 above 2s"})
    (post,) = posts(webhooks)

    webhooks.workspace.react(alice, "#incidents", post["ts"], "white_check_mark")
    webhooks.settle()

    assert block(posts(webhooks)[0], "alert.state").startswith(f"Acknowledged by <@{alice}>")


def test_the_resolve_stops_the_page_its_alert_started(webhooks, alice, bob, local_stack):
    _, cloud = local_stack
    webhooks.klaxon(alice, "#incidents", "policy set db level @bob after 1m")
    webhooks.klaxon(alice, "#incidents", "rule add /checkout/ to #incidents from webhook:generic policy db "
                                         "ack-timeout 1s")
    send(webhooks, {"title": "checkout p99 above 2s", "dedup_key": "checkout-latency"})
    time.sleep(1.1)
    webhooks.sweep()
    (post,) = posts(webhooks)
    assert len([m for m in webhooks.workspace.ims(bob) if m.get("user") == "U0KLAXON"]) == 1, "Bob is paged"

    send(webhooks, {"title": "checkout p99 above 2s", "dedup_key": "checkout-latency", "status": "resolved"})

    notes = [m["text"] for m in webhooks.workspace.thread("#incidents", post["ts"])[1:]]
    assert notes[-1].startswith(":white_check_mark: generic resolved the alert after")
    (page,) = webhooks.items("PAGE#")
    assert page["state"] == "acknowledged" and page["acknowledged_by"] == "webhook:generic"
