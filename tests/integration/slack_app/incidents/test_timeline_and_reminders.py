"""The timeline, keyword replies, reminders and the headline's forms through Slack: pins and 📌 add entries
and unpinning removes them, a keyword is answered once per incident, the sweep reminds, the Edit and Change
status forms open at once and fill in."""

from __future__ import annotations

import time

import pytest

from klaxon.slack.actions import ActionId
from tests.integration.slack_app.incidents.seen import (
    block,
    comms_channel,
    declare,
    headline_now,
    open_forms,
    timeline_texts,
)


@pytest.fixture
def incident(workspace, alice, bob):
    channel, _ = comms_channel(workspace, bob, lead=alice)
    return channel["id"]


def pins(workspace):
    return [item for item in workspace.items("INCIDENT#") if str(item["sk"]).startswith("TL#pin:")]


def test_a_pinned_message_and_a_pushpin_make_one_entry_gone_with_the_last_of_them(workspace, alice, bob, incident):
    ws = workspace.workspace
    said = ws.post(incident, "rolled back deploy 1432; errors dropping", user=bob)
    workspace.settle()
    pinned = ws.pin(alice, incident, said.ts)
    ws.redeliver(pinned.delivery.id, retry_num=1, reason="http_timeout")
    reacted = ws.react(bob, incident, said.ts, "pushpin")
    ws.redeliver(reacted.delivery.id, retry_num=1, reason="http_timeout")
    workspace.settle()
    (entry,) = pins(workspace)
    assert entry["text"] == "rolled back deploy 1432; errors dropping" and entry["by"] == alice

    ws.unpin(alice, incident, said.ts)
    workspace.settle()
    assert len(pins(workspace)) == 1, "Bob's 📌 still keeps it"
    ws.unreact(bob, incident, said.ts, "pushpin")
    workspace.settle()
    assert pins(workspace) == []


@pytest.mark.parametrize("mark", ["pin", "react"])
def test_a_pinned_monitoring_bots_message_keeps_what_it_shows_on_the_timeline(workspace, alice, incident, mark):
    """A bot's alert pinned in the comms channel: its text is in its attachments, and the entry keeps it."""
    ws = workspace.workspace
    grafana = ws.add_bot("grafana")
    said = ws.post(incident, bot=grafana["bot_id"],
                   attachments=[{"title": "[RESOLVED] HighLatency", "text": "checkout p99 back under 2s"}])
    workspace.settle()
    ws.pin(alice, incident, said.ts) if mark == "pin" else ws.react(alice, incident, said.ts, "pushpin")
    workspace.settle()
    (entry,) = pins(workspace)
    assert "[RESOLVED] HighLatency" in entry["text"] and "checkout p99 back under 2s" in entry["text"]


def test_a_pushpin_elsewhere_is_nobodys_timeline(workspace, alice, bob, incident):
    said = workspace.workspace.post("#ops", "unrelated", user=bob)
    workspace.workspace.react(alice, "#ops", said.ts, "pushpin")
    workspace.settle()
    assert pins(workspace) == []


def test_a_keyword_reply_comes_once_per_incident_and_keywords_are_admin_only_audited_and_exported(
        workspace, alice, bob, incident):
    ws = workspace.workspace
    refused = workspace.klaxon(bob, "#ops", 'keyword add "runbook" reply "Runbooks: https://wiki.example/rb"')
    assert "only Klaxon admins" in refused
    added = workspace.klaxon(alice, "#ops", 'keyword add "runbook" reply "Runbooks: https://wiki.example/rb"')
    assert added.startswith(":white_check_mark: added keyword reply")
    first = ws.post(incident, "where is the Runbook for payments?", user=bob)
    second = ws.post(incident, "found the runbook", user=alice)
    workspace.settle()
    # Both messages are handled at once, so either may be the one answered: once, in its thread.
    replies = [m for said in (first, second) for m in ws.thread(incident, said.ts)[1:] if m.get("bot_id")]
    assert [reply["text"] for reply in replies] == ["Runbooks: <https://wiki.example/rb>"]
    assert sum("Runbooks:" in m["text"] for m in ws.messages(incident)) == 0, "in the thread, not the channel"
    assert "keyword add" in workspace.klaxon(alice, "#ops", "audit")
    assert "phrase: runbook" in workspace.klaxon(alice, "#ops", "export")


def test_the_sweep_reminds_at_the_cadence_set_and_at_most_as_often_as_set(workspace, alice, bob):
    workspace.klaxon(alice, "#ops", "settings incident-reminders no-severity 1s")
    workspace.klaxon(alice, "#ops", "settings incident-reminders times 1")
    declare(workspace, bob, "#ops", "search is slow", lead=alice)  # no severity yet, and no comms channel
    headline = headline_now(workspace)
    time.sleep(1.1)
    workspace.sweep()
    time.sleep(1.1)
    workspace.sweep()
    replies = [m["text"] for m in workspace.workspace.thread("#incidents", headline["ts"])[1:]]
    assert replies == [":straight_ruler: This incident has no severity yet: the headline post's buttons."]


def test_the_edit_form_opens_at_once_fills_in_and_saves_as_one_change(workspace, alice, bob, incident):
    ws = workspace.workspace
    headline = headline_now(workspace)
    ws.click(bob, "#incidents", headline["ts"], ActionId.EDIT_INCIDENT.value)
    workspace.settle()
    (form,) = open_forms(workspace, bob)
    assert block(form, "summary")["element"]["initial_value"] == "checkout fails for EU customers"
    updates = len(ws.calls("chat.update"))
    ws.submit_view(bob, form["id"], {"summary": "checkout fails for EU & UK customers", "severity": "2",
                                     "impact": "20% of orders"})
    workspace.settle()
    assert len(ws.calls("chat.update")) == updates + 1, "one redraw for three fields"
    summary = block(headline_now(workspace), "incident.summary")["text"]["text"]
    assert "SEV2 major" in summary and "EU &amp; UK" in summary
    said = [m["text"] for m in ws.messages(incident) if m.get("bot_id")][-1]
    assert said.startswith(f":pencil2: <@{bob}> changed from the headline post: summary: checkout fails")


def test_the_status_form_moves_the_incident_with_a_note(workspace, alice, bob, incident):
    ws = workspace.workspace
    ws.click(alice, "#incidents", headline_now(workspace)["ts"], ActionId.CHANGE_STATUS.value)
    workspace.settle()
    (form,) = open_forms(workspace, alice)
    options = [option["value"] for option in block(form, "status")["element"]["options"]]
    assert options == ["identified", "monitoring", "resolved"]
    ws.submit_view(alice, form["id"], {"status": "identified", "note": "bad config in deploy 1432"})
    workspace.settle()
    said = [m["text"] for m in ws.messages(incident) if m.get("bot_id")][-1]
    assert said == f":dart: <@{alice}> set the status to *identified* from the headline post: bad config in deploy 1432"
    assert "status identified: bad config in deploy 1432" in timeline_texts(workspace)
