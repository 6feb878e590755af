"""The comms channel through Slack: opened from the headline post once however often it is asked for, named
past taken and archived names, and every refusal told to the person who asked."""

from __future__ import annotations

from datetime import UTC, datetime

from klaxon.slack.actions import ActionId
from tests.integration.slack_app.incidents.seen import buttons, channel_named, declare, headline_now, timeline_texts


def minor_incident(workspace, user):
    declare(workspace, user, "#ops", "search is slow", severity="3")
    return headline_now(workspace)


def test_the_headline_button_opens_the_channel_once_even_clicked_twice_or_retried(workspace, alice, bob):
    ws = workspace.workspace
    headline = minor_incident(workspace, bob)
    click = ws.click(alice, "#incidents", headline["ts"], ActionId.OPEN_COMMS_CHANNEL.value)
    ws.redeliver(click.delivery.id, retry_num=1, reason="http_timeout")
    workspace.settle()
    today = datetime.now(UTC).strftime("%Y%m%d")
    (channel,) = [c for c in ws.state()["channels"] if c.get("name", "").startswith("inc-")]
    assert channel["name"] == f"inc-{today}-search-slow"
    assert set(channel["members"]) >= {alice, bob}, "the reporter, and whoever asked"
    assert ActionId.OPEN_COMMS_CHANNEL not in buttons(headline_now(workspace))
    assert sum(text.startswith("comms channel") for text in timeline_texts(workspace)) == 1
    assert len(ws.calls("conversations.create")) == 1


def test_a_name_held_by_an_archived_channel_gets_the_next_number(workspace, alice, bob):
    ws = workspace.workspace
    today = datetime.now(UTC).strftime("%Y%m%d")
    ws.add_channel(f"inc-{today}-search-slow")
    ws.archive(f"#inc-{today}-search-slow")
    ws.add_channel(f"inc-{today}-search-slow-2")
    headline = minor_incident(workspace, bob)
    ws.click(alice, "#incidents", headline["ts"], ActionId.OPEN_COMMS_CHANNEL.value)
    workspace.settle()
    assert channel_named(workspace, f"inc-{today}-search-slow-3") is not None
    assert [call.error for call in ws.calls("conversations.create")] == ["name_taken", "name_taken", None]


def test_a_workspace_that_restricts_channel_creation_is_told_to_whoever_asked(workspace, alice, bob):
    ws = workspace.workspace
    headline = minor_incident(workspace, bob)
    ws.refuse_next("conversations.create", "restricted_action")
    ws.click(alice, "#incidents", headline["ts"], ActionId.OPEN_COMMS_CHANNEL.value)
    workspace.settle()
    told = ws.ephemerals(alice)[-1]
    assert told["channel"] == channel_named(workspace, "incidents")["id"], "where she clicked, to her alone"
    assert "could not create the comms channel" in told["text"] and "restricted_action" in told["text"]
    assert ActionId.OPEN_COMMS_CHANNEL in buttons(headline_now(workspace)), "nothing opened: the button stays"

    ws.click(alice, "#incidents", headline["ts"], ActionId.OPEN_COMMS_CHANNEL.value)  # allowed now: it works
    workspace.settle()
    assert channel_named(workspace, "inc-") is not None


def test_rate_limits_past_the_clients_retries_are_told_and_steps_after_the_channel_go_on(workspace, alice, bob):
    ws = workspace.workspace
    headline = minor_incident(workspace, bob)
    ws.rate_limit("conversations.setTopic", count=3, retry_after=0)  # the first call and both retries
    ws.refuse_next("conversations.invite", "user_is_restricted")
    ws.click(alice, "#incidents", headline["ts"], ActionId.OPEN_COMMS_CHANNEL.value)
    workspace.settle()
    told = ws.ephemerals(alice)[-1]["text"]
    assert "could not set the comms channel's topic" in told and "ratelimited" in told
    assert f"could not invite <@{bob}>" in told and "user_is_restricted" in told
    channel = channel_named(workspace, "inc-")
    assert channel is not None and [b["title"] for b in channel["bookmarks"]] == ["Incident doc"]
