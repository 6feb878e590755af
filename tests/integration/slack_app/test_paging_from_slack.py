"""Paging through Slack: policies from /klaxon, a mention pages, levels escalate in the sweep, an ack
stops it - all through signed requests and the real handlers."""

from __future__ import annotations

import time

import pytest

from klaxon.slack.actions import ActionId
from tests.integration.slack_app.conftest import monitoring_scene


@pytest.fixture
def oncall(stack, alice, bob):
    """#ops with policy `db`: Alice first, then the @leads group (Carol and Dan), one second apart."""
    ws = stack.workspace
    carol = ws.add_user("carol")["id"]
    dan = ws.add_user("dan")["id"]
    ws.add_usergroup("leads", [carol, dan])
    ws.add_channel("ops")
    answer = stack.klaxon(alice, "#ops", "policy set db level @alice after 1s; level @leads after 1s")
    assert answer.startswith(":white_check_mark:"), answer
    stack.klaxon(alice, "#ops", "policy use db in #ops")
    return {"alice": alice, "bob": bob, "carol": carol, "dan": dan}


def dms(stack, user):
    return [m for m in stack.workspace.ims(user) if m.get("user") == "U0KLAXON"]


def thread_notes(stack, channel, ts):
    return [m["text"] for m in stack.workspace.thread(channel, ts)[1:]]


def test_a_mention_pages_level_one_then_the_group_then_an_ack_stops_it(stack, oncall):
    ws = stack.workspace
    mention = ws.post("#ops", "<@U0KLAXON> db-1 is down, writes failing", user=oncall["bob"])
    stack.settle()

    (page_dm,) = dms(stack, oncall["alice"])
    assert "db-1 is down, writes failing" in page_dm["blocks"][0]["text"]["text"]
    (note,) = thread_notes(stack, "#ops", mention.ts)
    assert f"Paging <@{oncall['alice']}>" in note and "level 1 of 2" in note

    time.sleep(1.1)
    stack.sweep()
    assert len(dms(stack, oncall["carol"])) == 1 and len(dms(stack, oncall["dan"])) == 1

    carol_dm = dms(stack, oncall["carol"])[0]
    ws.click(oncall["carol"], oncall["carol"], carol_dm["ts"], ActionId.ACKNOWLEDGE_PAGE.value)  # her DM with Klaxon
    stack.settle()
    time.sleep(1.1)
    stack.sweep()

    notes = thread_notes(stack, "#ops", mention.ts)
    assert notes[-1].startswith(f":white_check_mark: <@{oncall['carol']}> acknowledged after")
    assert len(notes) == 3, "paging level 1, paging level 2, acknowledged - and no 'dropped' note"
    assert "Acknowledged by" in dms(stack, oncall["alice"])[0]["text"], "every page DM now says it is handled"


def test_nobody_acknowledges_and_the_page_is_dropped_with_a_note(stack, oncall):
    mention = stack.workspace.post("#ops", "<@U0KLAXON> cache cluster gone", user=oncall["bob"])
    stack.settle()
    for _ in range(3):
        time.sleep(1.1)
        stack.sweep()
    notes = thread_notes(stack, "#ops", mention.ts)
    assert notes[-1].startswith(":no_bell: Nobody acknowledged after every level of `db`")
    assert [len(dms(stack, oncall[name])) for name in ("alice", "carol", "dan")] == [1, 1, 1]


def test_a_handled_reaction_on_the_mention_acknowledges(stack, oncall):
    mention = stack.workspace.post("#ops", "<@U0KLAXON> queue backing up", user=oncall["bob"])
    stack.settle()
    stack.workspace.react(oncall["alice"], "#ops", mention.ts, "white_check_mark")
    stack.settle()
    assert thread_notes(stack, "#ops", mention.ts)[-1].startswith(f":white_check_mark: <@{oncall['alice']}>")


def test_two_sweeps_at_once_notify_each_level_once(stack, oncall, local_stack):
    _, cloud = local_stack
    stack.workspace.post("#ops", "<@U0KLAXON> payments failing", user=oncall["bob"])
    stack.settle()
    time.sleep(1.1)
    cloud.sweeps_at_once()
    stack.settle()
    assert [len(dms(stack, oncall[name])) for name in ("alice", "carol", "dan")] == [1, 1, 1]


def test_an_alert_nobody_handles_pages_its_rules_policy_in_the_alert_thread(stack, oncall):
    ws = stack.workspace
    alert = monitoring_scene(stack, oncall["alice"], "/disk \\d+%/ to #incidents policy db ack-timeout 1s")

    time.sleep(1.1)
    stack.sweep()
    assert len(dms(stack, oncall["alice"])) == 1
    assert "Paging" in thread_notes(stack, "#incidents", alert["ts"])[0]

    ws.react(oncall["alice"], "#incidents", alert["ts"], "white_check_mark")
    stack.settle()
    assert "acknowledged after" in thread_notes(stack, "#incidents", alert["ts"])[-1]


def test_an_acknowledgement_stops_the_page_while_slack_refuses_to_redraw_the_post(stack, oncall):
    ws = stack.workspace
    alert = monitoring_scene(stack, oncall["alice"], "/disk \\d+%/ to #incidents policy db ack-timeout 1s")
    time.sleep(1.1)
    stack.sweep()
    ws.rate_limit("chat.update", count=3, retry_after=120)  # longer than Klaxon waits: each redraw fails

    ws.react(oncall["alice"], "#incidents", alert["ts"], "white_check_mark")
    stack.settle()
    time.sleep(1.1)  # the next level's wait
    stack.sweep()

    assert "acknowledged after" in thread_notes(stack, "#incidents", alert["ts"])[-1]
    assert [len(dms(stack, oncall[name])) for name in ("alice", "carol", "dan")] == [1, 0, 0]
    assert stack.dead_letters() == [], "retried until Slack took the redraw"


def test_a_direct_message_to_klaxon_gets_the_configured_reply(stack, oncall):
    stack.klaxon(oncall["alice"], "#ops", 'settings dm-reply "Page from #ops: @klaxon what is wrong"')
    stack.workspace.post(oncall["bob"], "hello? is anyone on call", user=oncall["bob"])
    stack.settle()
    (reply,) = dms(stack, oncall["bob"])
    assert reply["text"] == "Page from #ops: @klaxon what is wrong"


@pytest.mark.parametrize("text, problem", [
    ("policy set db level @nobody after 1m", "no person or user group @nobody"),
    ("policy set db level @alice after 0s", "zero"),
    ("policy set db level @alice after -5m", "negative"),
    ("policy set db", "no levels"),
    ("policy set db level after 5m", "level 1"),
    ("policy use nosuch in #ops", "no escalation policy `nosuch`"),
    ("policy show nosuch", "no escalation policy `nosuch`"),
    ("policy remove db", "in use by <#"),
    ("rule add disk to #ops policy nosuch", "no escalation policy `nosuch`"),
])
def test_bad_policy_input_is_refused_and_nothing_is_written(stack, oncall, text, problem):
    audited = len(stack.items("AUDIT"))
    answer = stack.klaxon(oncall["alice"], "#ops", text)
    assert answer.startswith(":warning:") and problem in answer, answer
    assert len(stack.items("AUDIT")) == audited


def test_only_admins_change_policies_and_anyone_may_read_them(stack, oncall):
    assert "only Klaxon admins" in stack.klaxon(oncall["bob"], "#ops", "policy set x level @bob after 1m")
    shown = stack.klaxon(oncall["bob"], "#ops", "policy show db")
    assert "`db`: level 1" in shown and "used by <#" in shown
    assert "`db`" in stack.klaxon(oncall["bob"], "#ops", "policy list")


def test_a_policy_edited_mid_page_leaves_the_running_page_as_it_started(stack, oncall):
    mention = stack.workspace.post("#ops", "<@U0KLAXON> search is returning nothing", user=oncall["bob"])
    stack.settle()
    edited = stack.klaxon(oncall["alice"], "#ops", "policy set db level @bob after 1s")
    assert "pages already running keep the levels they started with" in edited

    time.sleep(1.1)
    stack.sweep()

    assert len(dms(stack, oncall["carol"])) == 1 and len(dms(stack, oncall["dan"])) == 1, "level 2 as snapshotted"
    assert dms(stack, oncall["bob"]) == []
    assert "level 2 of 2" in thread_notes(stack, "#ops", mention.ts)[-1]


def test_a_page_dm_slack_made_but_answered_too_late_is_not_sent_twice(stack, oncall, monkeypatch):
    monkeypatch.setattr("klaxon.slack.client.TIMEOUT_SECONDS", 1)
    stack.workspace.answer_late("chat.postMessage", delay=1.5)  # the first one: Alice's direct message
    stack.workspace.post("#ops", "<@U0KLAXON> db-1 is down", user=oncall["bob"])
    stack.settle()
    assert len(dms(stack, oncall["alice"])) == 1 and stack.dead_letters() == []


def test_a_persons_direct_message_channel_is_opened_once_and_remembered_across_containers(stack, oncall):
    from klaxon.bootstrap import cold_start

    ws = stack.workspace
    ws.post("#ops", "<@U0KLAXON> db-1 is down", user=oncall["bob"])
    stack.settle()
    cold_start()  # the next page is carried out by a new container
    ws.post("#ops", "<@U0KLAXON> db-2 is down too", user=oncall["bob"])
    stack.settle()

    assert len(dms(stack, oncall["alice"])) == 2
    assert [call.args.get("users") for call in ws.calls("conversations.open")] == [oncall["alice"]]
    (remembered,) = stack.items(f"PERSON#{oncall['alice']}")
    posted_in = {call.args.get("channel") for call in ws.calls("chat.postMessage") if call.args.get("metadata")
                 and "klaxon_page" in str(call.args.get("metadata"))}
    assert posted_in == {remembered["dm_channel"]} and remembered["dm_channel"].startswith("D")


@pytest.mark.parametrize("refusal", ["user_disabled", "user_not_found", "cannot_dm_bot"])
def test_a_handler_slack_will_not_message_is_named_in_the_thread_and_the_rest_of_the_level_is_paged(
        stack, oncall, refusal):
    """Carol left (her account deactivated, or gone, or she was a bot): Slack refuses her direct message.
    Dan, in the same group, is paged all the same, and the thread says Carol was not."""
    ws = stack.workspace
    mention = ws.post("#ops", "<@U0KLAXON> db-1 is down", user=oncall["bob"])
    stack.settle()
    ws.refuse_next("conversations.open", refusal)  # the level's first handler: Carol (the group sorted by id)
    time.sleep(1.1)
    stack.sweep()
    stack.sweep()  # a later sweep does not try her again, nor Dan twice

    assert len(dms(stack, oncall["dan"])) == 1 and dms(stack, oncall["carol"]) == []
    note = thread_notes(stack, "#ops", mention.ts)[-1]
    assert f"Paging <@{oncall['dan']}>" in note and "level 2 of 2" in note
    assert f"Slack would not let Klaxon message <@{oncall['carol']}>: " in note
