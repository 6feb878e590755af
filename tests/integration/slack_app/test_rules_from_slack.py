"""Rules edited with /klaxon and applied to channel messages, all through signed Slack requests."""

from __future__ import annotations

import threading

import pytest

from klaxon.bootstrap import runtime


@pytest.fixture
def channels(stack, alice):
    ws = stack.workspace
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    return stack


def test_a_rule_added_from_slack_takes_effect_on_the_next_message(channels, alice):
    ws = channels.workspace
    ws.post("#alerts-prod", "disk 97% full on db-1", bot="datadog")
    channels.settle()
    assert ws.messages("#incidents") == []

    answer = channels.klaxon(alice, "#alerts-prod", r'rule add disk (full|\d+%) to #incidents label "[Disk]"')
    ws.post("#alerts-prod", "disk 97% full on db-1", bot="datadog")
    channels.settle()

    assert answer.startswith(":white_check_mark: added rule 1")
    (repost,) = ws.messages("#incidents")
    assert "[Disk]" in repost["blocks"][0]["text"]["text"]
    (entry,) = channels.items("AUDIT")
    assert entry["actor"] == alice and entry["action"] == "rule add"


def test_someone_who_is_not_an_admin_cannot_change_rules(channels, bob):
    answer = channels.klaxon(bob, "#alerts-prod", "rule add disk to #incidents")
    assert "only Klaxon admins" in answer
    assert channels.items("CONFIG") == [] and channels.items("AUDIT") == []


@pytest.mark.parametrize("text, problem", [
    ("rule add (unclosed to #incidents", "not valid RE2"),
    ("rule add disk to #does-not-exist", "no channel #does-not-exist"),
    ("rule add disk to #incidents colour red", "unknown option"),
    ("channel #alerts-prod default loud", "expected one of: ignore, ack, alert"),
    ("import yaml klaxon: 2", "klaxon: 1"),
])
def test_bad_input_gets_an_ephemeral_error_and_nothing_is_written(channels, alice, text, problem):
    answer = channels.klaxon(alice, "#alerts-prod", text)
    assert answer.startswith(":warning:") and problem in answer, answer
    assert channels.items("CONFIG") == [] and channels.items("AUDIT") == []


def test_the_warm_container_revalidates_rules_with_one_small_read_per_event(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "rule add disk full to #incidents")
    ws.post("#alerts-prod", "warm-up", bot="datadog")
    channels.settle()
    cache, reads = runtime().configuration_cache, runtime().store.table.reads
    loads, items, by_kind = cache.loads, reads.items, dict(reads.by_kind)

    ws.post("#alerts-prod", "nothing to see", bot="datadog")
    channels.settle()

    assert cache.loads == loads, "no reload while the version stands"
    assert reads.by_kind.get("query", 0) == by_kind.get("query", 0), "no configuration query"
    assert reads.items - items == 1, "one item read for an unmatched message: the version"

    channels.klaxon(alice, "#alerts-prod", "rule add cpu high to #incidents")
    ws.post("#alerts-prod", "cpu high on web-3", bot="datadog")
    channels.settle()
    assert cache.loads == loads + 1, "the edit is loaded once, by the next event"
    assert len(ws.messages("#incidents")) == 1


def test_unmatched_messages_follow_the_channel_default(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "channel #alerts-prod default ack")
    posted = ws.post("#alerts-prod", "deploy 1433 finished", bot="datadog")
    channels.settle()
    (message,) = [m for m in ws.messages("#alerts-prod") if m["ts"] == posted.ts]
    assert [r["name"] for r in message.get("reactions", [])] == ["white_check_mark"]


def test_suppressed_noise_is_marked_handled_and_never_reposted(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "rule add heartbeat to #incidents suppress")
    posted = ws.post("#alerts-prod", "heartbeat ok", bot="datadog")
    channels.settle()
    (message,) = [m for m in ws.messages("#alerts-prod") if m["ts"] == posted.ts]
    assert message["reactions"][0]["name"] == "white_check_mark" and ws.messages("#incidents") == []


def test_an_edited_message_is_judged_once_on_its_new_text(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "rule add /outage/i to #incidents")
    posted = ws.post("#alerts-prod", "all good", user=alice)
    ws.edit("#alerts-prod", posted.ts, "OUTAGE in eu-west-1")
    ws.edit("#alerts-prod", posted.ts, "OUTAGE in eu-west-1 (still)")
    channels.settle()
    assert len(ws.messages("#incidents")) == 1


def test_a_poster_scope_matches_an_app_bot_by_name(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "rule add error to #incidents from @datadog")
    ws.post("#alerts-prod", "error rate up", user=alice)
    ws.post("#alerts-prod", "error rate up on api", bot="datadog", as_app=True)
    ws.post("#alerts-prod", "error rate up on web", bot="datadog")
    channels.settle()
    assert len(ws.messages("#incidents")) == 2


def test_repeats_update_the_first_post_and_hotline_mentions_are_added(channels, alice):
    ws = channels.workspace
    group = ws.add_usergroup("oncall", [alice])["id"]
    channels.klaxon(alice, "#alerts-prod", r"rule add /latency \d+ms/ to #incidents hotline @oncall @here")
    ws.post("#alerts-prod", "latency 812ms on api-7", bot="datadog")
    ws.post("#alerts-prod", "latency 1024ms on api-7", bot="datadog")
    channels.settle()
    (repost,) = ws.messages("#incidents")
    assert "seen 2 times" in repost["blocks"][1]["elements"][0]["text"]
    assert f"<!subteam^{group}>" in repost["text"] and "<!here>" in repost["text"]


def test_a_huge_monitoring_message_is_cut_to_fit_slack(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "rule add stack trace to #incidents")
    ws.post("#alerts-prod", "stack trace follows\n" + "at com.example.Thing(Thing.java:42)\n" * 3000, bot="datadog")
    channels.settle()
    (repost,) = ws.messages("#incidents")
    assert len(repost["blocks"][0]["text"]["text"]) <= 3000 and "the original has it all" in repost["blocks"][0][
        "text"]["text"]


def test_two_admins_editing_at_once_both_land(channels, alice):
    ws = channels.workspace
    carol = ws.add_user("carol")["id"]
    channels.klaxon(alice, "#alerts-prod", "rule add seed to #incidents")
    outcomes = []

    def add(user: str, word: str) -> None:
        outcomes.append(ws.command(user, "#alerts-prod", "/klaxon", f"rule add {word} to #incidents"))

    racers = [threading.Thread(target=add, args=(alice, f"race{n}")) for n in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    channels.settle()

    assert carol and all(o.delivery.ok for o in outcomes)
    answer = channels.klaxon(alice, "#alerts-prod", "rule list")
    assert all(f"`race{n}`" in answer for n in range(3)) and "4 rules" in answer


def test_export_and_import_round_trip_through_slack(channels, alice):
    channels.klaxon(alice, "#alerts-prod", 'rule add /disk/i to #incidents label "[Disk]"')
    exported = channels.klaxon(alice, "#alerts-prod", "export").strip("`")
    channels.klaxon(alice, "#alerts-prod", "rule add extra to #incidents")
    answer = channels.klaxon(alice, "#alerts-prod", f"import {exported}")
    assert "imported 1 rules (replacing 2)" in answer
    assert "extra" not in channels.klaxon(alice, "#alerts-prod", "rule list")


def test_a_reply_in_a_thread_is_judged_and_its_link_opens_the_thread(channels, alice):
    ws = channels.workspace
    channels.klaxon(alice, "#alerts-prod", "rule add /failed again/ to #incidents")
    parent = ws.post("#alerts-prod", "nightly backup started", bot="datadog")
    reply = ws.post("#alerts-prod", "backup failed again on db-2", bot="datadog", thread_ts=parent.ts)
    channels.settle()
    (repost,) = ws.messages("#incidents")
    origin = repost["blocks"][1]["elements"][0]["text"]
    assert f"p{reply.ts.replace('.', '')}" in origin and f"thread_ts={parent.ts}" in origin
