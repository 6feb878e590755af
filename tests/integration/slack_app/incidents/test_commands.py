"""Commands in a comms channel through Slack: `@klaxon …` and `/incident …`, feedback as Response gave it,
one headline redraw per change, never a page from a mention, never an alert from a message there, a
retried delivery changing nothing twice, and racing commands losing nothing."""

from __future__ import annotations

import threading

import pytest

from klaxon.slack.actions import ActionId
from tests.integration.slack_app.incidents.seen import (
    BOT,
    block,
    buttons,
    comms_channel,
    headline_now,
    incident_items,
    timeline_texts,
)


@pytest.fixture
def incident(workspace, alice, bob):
    """A severity 1 incident led by Alice, with its comms channel; no policy pages anyone yet."""
    channel, _ = comms_channel(workspace, bob, lead=alice)
    return channel["id"]


def mention(workspace, user, channel, command):
    outcome = workspace.workspace.post(channel, f"<@{BOT}> {command}", user=user)
    workspace.settle()
    return outcome


def reactions(workspace, channel, ts):
    message = next(m for m in workspace.workspace.messages(channel) if m["ts"] == ts)
    return {r["name"]: r["users"] for r in message.get("reactions", [])}


def headline_updates(workspace):
    return len(workspace.workspace.calls("chat.update"))


def test_a_change_gets_a_tick_and_one_headline_redraw_and_the_timeline_records_it(workspace, alice, incident):
    before = headline_updates(workspace)
    said = mention(workspace, alice, incident, "severity 2")
    assert reactions(workspace, incident, said.ts) == {"white_check_mark": [BOT]}
    assert headline_updates(workspace) == before + 1
    assert "SEV2 major" in block(headline_now(workspace), "incident.summary")["text"]["text"]
    assert "severity SEV2 major" in timeline_texts(workspace)


def test_questions_are_answered_in_the_thread_and_refusals_only_to_who_asked(workspace, alice, bob, incident):
    ws = workspace.workspace
    asked = mention(workspace, bob, incident, "duration")
    (reply,) = ws.thread(incident, asked.ts)[1:]
    assert reply["text"].startswith(":stopwatch: It has been running for")
    mention(workspace, bob, incident, "severity 1 db is down")  # "any 1 means critical" no more
    refusal = ws.ephemerals(bob)[-1]
    assert "is not a severity" in refusal["text"] and refusal["channel"] == incident
    mention(workspace, bob, incident, "reboot everything")
    assert "I don't know `reboot`" in ws.ephemerals(bob)[-1]["text"] and "`severity" in ws.ephemerals(bob)[-1]["text"]


def test_status_changes_are_said_in_the_channel_and_a_slash_command_works_there_too(workspace, alice, incident):
    ws = workspace.workspace
    outcome = ws.command(alice, incident, "/incident", "status monitoring rollback deployed")
    workspace.settle()
    assert outcome.delivery.ok and outcome.delivery.body == "", "the ack carries nothing; the answer follows"
    assert ws.ephemerals(alice)[-1]["text"].startswith(":white_check_mark: Done.")
    said = [m["text"] for m in ws.messages(incident) if m.get("bot_id")][-1]
    assert said == f":eyes: <@{alice}> set the status to *monitoring*: rollback deployed"
    facts = str(block(headline_now(workspace), "incident.facts"))
    assert "Monitoring since" in facts
    assert "rollback deployed" in block(headline_now(workspace), "incident.update")["text"]["text"]


def test_resolving_and_closing_from_the_headline_say_so_in_the_channel_and_ask_the_lead_for_a_postmortem(
        workspace, alice, bob, incident):
    ws = workspace.workspace
    headline = headline_now(workspace)
    ws.click(bob, "#incidents", headline["ts"], ActionId.RESOLVE_INCIDENT.value)
    workspace.settle()
    assert buttons(headline_now(workspace)) == [ActionId.EDIT_INCIDENT, ActionId.CHANGE_STATUS,
                                                ActionId.CLOSE_INCIDENT, ActionId.OPEN_DOC]
    ws.click(bob, "#incidents", headline["ts"], ActionId.CLOSE_INCIDENT.value)
    workspace.settle()
    said = [m["text"] for m in ws.messages(incident) if m.get("bot_id")][-2:]
    assert said == [f":white_check_mark: <@{bob}> set the status to *resolved* from the headline post.",
                    f":lock: <@{bob}> closed the incident from the headline post."]
    assert buttons(headline_now(workspace)) == [], "a closed incident shows no buttons"
    (postmortem,) = [m for m in ws.ims(alice) if m.get("bot_id")]
    assert "postmortem" in postmortem["text"]
    mention(workspace, alice, incident, "severity 3")
    assert "closed" in ws.ephemerals(alice)[-1]["text"]


def test_a_mention_in_a_comms_channel_never_pages_and_its_messages_are_never_alerts(workspace, alice, bob, incident):
    ws = workspace.workspace
    workspace.klaxon(alice, "#ops", "policy set db level @bob after 1m")
    workspace.klaxon(alice, "#ops", "policy use db default")
    workspace.klaxon(alice, "#ops", r"rule add /down/ to #incidents")
    mention(workspace, alice, incident, "db is down again")
    ws.post(incident, "the db is down again", user=bob)
    workspace.settle()
    assert "I don't know `db`" in ws.ephemerals(alice)[-1]["text"]
    assert [m for m in ws.ims(bob) if m.get("bot_id")] == [], "nobody paged"
    assert not any("db is down again" in m["text"] for m in ws.messages("#incidents")), "nothing reposted"


def test_page_pages_the_named_policy_into_the_channel_and_an_ack_is_noted_on_the_timeline(workspace, alice, bob,
                                                                                          incident):
    ws = workspace.workspace
    workspace.klaxon(alice, "#ops", "policy set payments level @bob after 1m")
    mention(workspace, alice, incident, "page payments")
    (page,) = [m for m in ws.ims(bob) if m.get("bot_id")]
    ws.click(bob, bob, page["ts"], ActionId.ACKNOWLEDGE_PAGE.value)
    workspace.settle()
    texts = timeline_texts(workspace)
    assert "paged policy `payments`" in texts
    assert any(text.startswith(f"<@{bob}> acknowledged the page after") for text in texts)


def test_a_retried_mention_changes_nothing_twice(workspace, alice, incident):
    said = mention(workspace, alice, incident, "action write the runbook")
    (event,) = [d for d in said.deliveries if d.event_type == "app_mention"]
    workspace.workspace.redeliver(event.id, retry_num=1, reason="http_timeout")
    workspace.settle()
    (stored,) = incident_items(workspace)
    assert [action["id"] for action in stored["actions"]] == ["a1"]


def test_commands_said_at_once_lose_no_change(workspace, alice, incident):
    def say(n: int) -> None:
        workspace.workspace.post(incident, f"<@{BOT}> action follow-up {n}", user=alice)

    threads = [threading.Thread(target=say, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    workspace.settle()
    (stored,) = incident_items(workspace)
    assert sorted(action["id"] for action in stored["actions"]) == ["a1", "a2", "a3", "a4", "a5"]
    assert sorted(action["text"] for action in stored["actions"]) == [f"follow-up {n}" for n in range(5)]


def test_closing_an_incident_whose_lead_slack_will_not_message_asks_the_reporter_for_the_postmortem(
        workspace, alice, bob):
    """The lead is someone Slack refuses a direct message to (here a bot, cannot_dm_bot; a lead who left,
    user_disabled, alike): the close is not retried and dead-lettered, the reporter is asked instead."""
    ws = workspace.workspace
    helper = ws.add_bot("deploybot")
    channel, headline = comms_channel(workspace, bob, lead=helper["user_id"])
    ws.click(alice, "#incidents", headline["ts"], ActionId.RESOLVE_INCIDENT.value)
    workspace.settle()
    ws.click(alice, "#incidents", headline["ts"], ActionId.CLOSE_INCIDENT.value)
    workspace.settle()

    assert workspace.dead_letters() == []
    (postmortem,) = [m for m in ws.ims(bob) if m.get("bot_id") and "postmortem" in m["text"]]
    assert [m["text"] for m in ws.messages(channel["id"]) if m.get("bot_id")][-1] == \
        f":lock: <@{alice}> closed the incident from the headline post."
