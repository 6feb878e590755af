"""Whatever incident work cannot finish - /incident, its commands in a comms channel, the headline post's buttons,
the forms and the message shortcut - is told once to the person who asked, in words they can act on; what may
pass is retried by Lambda without telling twice, then dead-lettered - through Slack and the real handlers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from klaxon.slack.actions import ActionId, CallbackId
from tests.integration.slack_app.incidents.seen import comms_channel, declare, headline_now, open_forms

BOT = "U0KLAXON"


def throttled(*_args, **_kwargs):
    raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                      "TransactWriteItems")


def bug(*_args, **_kwargs):
    raise KeyError("a bug")


def ephemerals(workspace, user) -> list[str]:
    return [e["text"] for e in workspace.workspace.ephemerals(user)]


def test_a_form_slack_will_not_open_says_why_instead_of_blaming_the_click(workspace, bob):
    ws = workspace.workspace
    ws.refuse_next("views.open", "missing_scope", needed="commands")
    outcome = ws.command(bob, "#ops", "/incident", "checkout is failing")
    assert "the Klaxon app lacks the `commands` scope" in outcome.delivery.body
    assert "3 seconds" not in outcome.delivery.body and open_forms(workspace, bob) == []


def test_the_message_shortcut_that_cannot_open_its_form_says_why_where_it_was_run(workspace, bob):
    ws = workspace.workspace
    message = ws.post("#ops", "checkout is failing for everyone", user=bob)
    ws.refuse_next("views.open", "restricted_action")
    ws.shortcut(bob, "#ops", message.ts, CallbackId.DECLARE_FROM_MESSAGE.value)
    workspace.settle()
    (told,) = ephemerals(workspace, bob)
    assert told.startswith(":warning: Klaxon could not open the form") and "`restricted_action`" in told


def test_a_declaration_the_database_keeps_refusing_is_told_once_where_it_was_declared(workspace, bob, monkeypatch):
    monkeypatch.setattr("klaxon.incidents.declaring.declare", throttled)
    declare(workspace, bob, "#ops", "search is slow", severity="3")

    (told,) = ephemerals(workspace, bob)
    assert told.startswith(":warning: Klaxon could not finish declaring the incident")
    assert "database is too busy" in told and "tries again" in told
    (letter,) = workspace.dead_letters()
    assert "LazyWorkFailed" in letter["error"]


def test_a_headline_button_that_hits_a_bug_is_told_once_with_a_reference(workspace, alice, bob, monkeypatch):
    declare(workspace, bob, "#ops", "search is slow", severity="3")
    monkeypatch.setattr("klaxon.incidents.commanding.set_status", bug)
    workspace.workspace.click(alice, "#incidents", headline_now(workspace)["ts"], ActionId.RESOLVE_INCIDENT.value)
    workspace.settle()

    (told,) = ephemerals(workspace, alice)
    assert told.startswith(":warning: Klaxon could not finish moving the incident to resolved")
    assert "internal error (KeyError, reference `" in told and "Nothing was changed." in told
    assert len(workspace.dead_letters()) == 1


def test_a_form_a_button_could_not_fill_is_told_instead_of_loading_forever(workspace, alice, bob, monkeypatch):
    declare(workspace, bob, "#ops", "search is slow", severity="3")
    workspace.workspace.refuse_next("views.update", "missing_scope", count=3, needed="commands")
    workspace.workspace.click(alice, "#incidents", headline_now(workspace)["ts"], ActionId.EDIT_INCIDENT.value)
    workspace.settle()
    (told,) = ephemerals(workspace, alice)
    assert told.startswith(":warning: Klaxon could not finish the incident's form") and "`commands`" in told
    assert workspace.dead_letters() == []


@pytest.fixture
def comms(workspace, alice, bob):
    channel, _ = comms_channel(workspace, bob, lead=alice)
    return channel["id"]


def test_an_incident_command_the_database_keeps_refusing_is_told_once(workspace, alice, comms, monkeypatch):
    monkeypatch.setattr("klaxon.incidents.commanding.run_command", throttled)
    workspace.workspace.command(alice, comms, "/incident", "status identified bad deploy")
    workspace.settle()
    (told,) = ephemerals(workspace, alice)
    assert told.startswith(":warning: Klaxon could not finish `/incident status`: Klaxon's database is too busy")
    assert len(workspace.dead_letters()) == 1


def test_a_mention_command_that_hits_a_bug_is_told_once_in_its_thread(workspace, alice, comms, monkeypatch):
    monkeypatch.setattr("klaxon.incidents.commanding.run_command", bug)
    asked = workspace.workspace.post(comms, f"<@{BOT}> severity 2", user=alice)
    workspace.settle()
    replies = [m["text"] for m in workspace.workspace.thread(comms, asked.ts)[1:]]
    (told,) = [text for text in replies if "could not finish" in text]
    assert told.startswith(f"<@{alice}> :warning: Klaxon could not finish your `@klaxon` command")
    assert len(workspace.dead_letters()) == 1
