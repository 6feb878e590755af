"""Declaring incidents through Slack: /incident opens the form in the ack, a valid form declares once, an
invalid one is answered in the form; the shortcut and an alert's button declare too - all through signed
requests and the real handlers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode

import pytest

from klaxon.slack.actions import ActionId, CallbackId
from tests.integration.slack_app.incidents.seen import block, buttons, channel_named, declare, headlines, open_forms


def second_submission(body: str) -> str:
    """The same form submitted again (a double click): Slack sends it with a new trigger."""
    fields = parse_qs(body)
    payload = json.loads(fields["payload"][0])
    payload["trigger_id"] = payload["trigger_id"] + "-again"
    return urlencode({"payload": json.dumps(payload)})


def test_incident_opens_the_form_in_the_ack_prefilled_and_its_submission_declares_once(workspace, bob):
    ws = workspace.workspace
    outcome = ws.command(bob, "#ops", "/incident", "checkout <EU> is failing")
    assert outcome.delivery.ok and outcome.delivery.body == ""
    (form,) = open_forms(workspace, bob)  # opened before the ack returned: no waiting for lazy work
    summary = block(form, "summary")
    assert summary["element"]["initial_value"] == "checkout <EU> is failing"
    assert block(form, "lead")["element"]["initial_user"] == bob

    submitted = ws.submit_view(bob, form["id"], {"summary": "checkout <EU> is failing", "severity": "3"})
    workspace.settle()
    retried = ws.redeliver(submitted.delivery.id, retry_num=1, reason="http_timeout")  # the same delivery
    clicked_twice = ws.send_raw(second_submission(submitted.delivery.request_body),  # a new trigger, same form
                                content_type="application/x-www-form-urlencoded")
    workspace.settle()

    assert submitted.delivery.ok and retried.ok and clicked_twice.ok
    (headline,) = headlines(workspace)
    assert "checkout &lt;EU&gt; is failing" in block(headline, "incident.summary")["text"]["text"]
    assert "SEV3 minor" in block(headline, "incident.summary")["text"]["text"]
    assert buttons(headline) == [ActionId.OPEN_COMMS_CHANNEL, ActionId.EDIT_INCIDENT, ActionId.CHANGE_STATUS,
                                 ActionId.RESOLVE_INCIDENT, ActionId.OPEN_DOC]
    assert len(workspace.items("INCIDENT#")) and len({i["pk"] for i in workspace.items("INCIDENT#")}) == 1
    assert channel_named(workspace, "inc-") is None, "severity 3 opens no comms channel by itself"


@pytest.mark.parametrize(("values", "problems"), [
    ({"summary": "   "}, {"summary": "Say what is happening"}),
    ({"summary": "x" * 301}, {"summary": "At most 300 characters, please (301 now)"}),
    ({"summary": "db down", "severity": "11"}, {"severity": "Choose a severity from the list"}),
    ({"summary": "db down", "impact": "y" * 2001}, {"impact": "At most 2000 characters, please (2001 now)"}),
])
def test_an_invalid_form_is_answered_in_the_form_and_nothing_is_declared(workspace, bob, values, problems):
    ws = workspace.workspace
    ws.command(bob, "#ops", "/incident")
    (form,) = open_forms(workspace, bob)
    outcome = ws.submit_view(bob, form["id"], values)
    workspace.settle()
    assert outcome.delivery.json() == {"response_action": "errors", "errors": problems}
    assert [opened["id"] for opened in open_forms(workspace, bob)] == [form["id"]], "the form stays open"
    assert workspace.items("INCIDENT#") == [] and headlines(workspace) == []


def test_severity_one_opens_its_comms_channel_and_pages_the_declaring_channels_policy(workspace, alice, bob):
    ws = workspace.workspace
    carol = ws.add_user("carol")["id"]
    workspace.klaxon(alice, "#ops", "policy set db level @carol after 1m")
    workspace.klaxon(alice, "#ops", "policy use db in #ops")

    declare(workspace, bob, "#ops", "payments API returns 500s", severity="1", lead=alice)

    channel = channel_named(workspace, "inc-")
    assert channel is not None and channel["name"].endswith("-payments-api-returns-500s")
    assert set(channel["members"]) >= {bob, alice}, "the reporter and the lead are invited"
    assert channel["topic"]["value"] == "SEV1 critical: payments API returns 500s"
    (bookmark,) = channel["bookmarks"]
    assert bookmark["title"] == "Incident doc" and "/incidents/" in bookmark["link"] and "?t=" in bookmark["link"]
    (welcome,) = [m for m in ws.messages(channel["id"]) if m.get("bot_id")]
    assert "@klaxon help" in welcome["text"]
    (headline,) = headlines(workspace)
    assert f"<#{channel['id']}>" in str(block(headline, "incident.facts"))
    assert ActionId.OPEN_COMMS_CHANNEL not in buttons(headline), "a button that no longer applies is gone"
    (page,) = [m for m in ws.ims(carol) if m.get("bot_id")]
    assert "payments API returns 500s" in str(page["blocks"]) and channel["id"] in str(page["blocks"])
    assert any("Paging <@" in note["text"] for note in ws.thread(channel["id"], welcome["ts"])[1:])


def test_a_private_incident_has_a_private_channel_and_a_headline_that_says_only_who_leads_it(workspace, alice, bob):
    declare(workspace, bob, "#ops", "suspected breach of the billing DB", severity="3", lead=alice, private=["private"])
    (headline,) = headlines(workspace)
    shown = str(headline["blocks"]) + headline["text"]
    assert "breach" not in shown and f"<@{alice}> leads it" in shown
    assert buttons(headline) == []
    channel = channel_named(workspace, "inc-")
    assert channel is not None and channel["is_private"] and channel["id"].startswith("G")


def test_the_message_shortcut_declares_with_the_message_as_summary(workspace, alice, bob):
    ws = workspace.workspace
    said = ws.post("#ops", "login page throws &lt;500&gt;, see <https://status.example.com|status>", user=bob)
    outcome = ws.shortcut(alice, "#ops", said.ts, CallbackId.DECLARE_FROM_MESSAGE.value)
    assert outcome.delivery.ok
    (form,) = open_forms(workspace, alice)
    assert block(form, "summary")["element"]["initial_value"] == "login page throws <500>, see status"
    assert block(form, "severity")["element"].get("initial_option") is None, "no severity until someone sets one"
    ws.submit_view(alice, form["id"], {})
    workspace.settle()
    (headline,) = headlines(workspace)
    assert "No severity yet" in str(headline["blocks"])
    (incident,) = [i for i in workspace.items("INCIDENT#") if i["sk"] == "INCIDENT"]
    entries = [i["text"] for i in workspace.items("INCIDENT#") if str(i["sk"]).startswith("TL#")]
    assert any(text.startswith("declared from <https://") for text in entries)
    assert incident["origin_channel"] == said.channel


@pytest.mark.parametrize("content", [
    {"attachments": [{"color": "danger", "title": "[FIRING:1] HighLatency", "text": "checkout p99 &gt; 2s"}]},
    {"blocks": [{"type": "section",
                 "text": {"type": "mrkdwn", "text": "*[FIRING:1] HighLatency* checkout p99 &gt; 2s"}}]},
])
def test_the_message_shortcut_on_a_monitoring_bots_message_fills_in_what_the_message_shows(
        workspace, alice, content):
    """A monitoring bot's post often has no text of its own: its alert is in attachments or blocks."""
    ws = workspace.workspace
    grafana = ws.add_bot("grafana")
    said = ws.post("#ops", bot=grafana["bot_id"], **content)
    ws.shortcut(alice, "#ops", said.ts, CallbackId.DECLARE_FROM_MESSAGE.value)
    (form,) = open_forms(workspace, alice)
    summary = block(form, "summary")["element"]["initial_value"]
    assert "[FIRING:1] HighLatency" in summary and "checkout p99 > 2s" in summary


def test_an_alert_posts_button_declares_from_the_alert_once_and_acknowledges_it(workspace, alice, bob):
    ws = workspace.workspace
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    workspace.klaxon(alice, "#alerts-prod", r"rule add /disk \d+%/ to #incidents")
    ws.post("#alerts-prod", "disk 97% on db-1", bot="datadog")
    workspace.settle()
    (alert_post,) = [m for m in ws.messages("#incidents") if "disk 97%" in m["text"]]

    ws.click(bob, "#incidents", alert_post["ts"], ActionId.DECLARE_FROM_ALERT.value)
    workspace.settle()
    (form,) = open_forms(workspace, bob)
    assert "disk 97% on db-1" in block(form, "summary")["element"]["initial_value"]
    ws.submit_view(bob, form["id"], {"summary": "db-1 disk filling up", "severity": "3"})
    workspace.settle()
    post = next(m for m in ws.messages("#incidents") if m["ts"] == alert_post["ts"])
    assert f"Acknowledged by <@{bob}>" in str(post["blocks"])

    ws.click(alice, "#incidents", alert_post["ts"], ActionId.DECLARE_FROM_ALERT.value)
    workspace.settle()
    (second,) = open_forms(workspace, alice)
    ws.submit_view(alice, second["id"], {"summary": "db-1 disk again"})
    workspace.settle()
    assert len(headlines(workspace)) == 1, "an alert has one incident"
    assert "this alert already has incident" in ws.ephemerals(alice)[-1]["text"]


def test_a_command_word_outside_a_comms_channel_offers_to_declare_with_the_text(workspace, bob):
    ws = workspace.workspace
    ws.command(bob, "#ops", "/incident", "page load times are terrible")
    workspace.settle()
    offer = ws.ephemerals(bob)[-1]
    assert "command for an incident's comms channel" in offer["text"]
    ws.click(bob, "#ops", offer["ts"], ActionId.DECLARE_WITH_TEXT.value)
    workspace.settle()
    (form,) = open_forms(workspace, bob)
    assert block(form, "summary")["element"]["initial_value"] == "page load times are terrible"
