"""Slash commands, buttons, modals and response_urls, end to end through the app's HTTP endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from infra.slack_emulator import SlackEmulator, Workspace
from infra.slack_emulator.client import WorkspaceError

from .app_double import Received, RecordingApp
from .conftest import Team

ACK_BUTTON = {"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"},
              "action_id": "alert_ack", "value": "alert-42", "style": "primary"}


def alert_blocks() -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "*[Error]* disk full on db-1"}},
            {"type": "actions", "block_id": "alert_actions", "elements": [ACK_BUTTON]}]


def test_a_slash_command_arrives_as_slack_sends_it(app: RecordingApp, emulator: SlackEmulator,
                                                   workspace: Workspace, team: Team) -> None:
    # When alice runs /klaxon in #alerts
    outcome = workspace.command("alice", team.alerts, "/klaxon", "rule list")

    # Then the app gets the signed, form-encoded command with a response_url back to the emulator
    [request] = app.received
    assert request.signature_valid
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = request.payload
    assert {k: body[k] for k in ("command", "text", "user_id", "user_name", "channel_id", "channel_name",
                                 "team_id", "team_domain", "api_app_id")} == {
        "command": "/klaxon", "text": "rule list", "user_id": team.alice, "user_name": "alice",
        "channel_id": team.alerts, "channel_name": "alerts", "team_id": "T0KLAXON",
        "team_domain": "klaxon-demo", "api_app_id": "A0KLAXON"}
    assert body["response_url"].startswith(f"{emulator.url}/_emulator/respond/")
    assert body["trigger_id"] and body["token"]
    assert outcome.delivery.kind == "command" and outcome.delivery.event_type == "/klaxon"


def test_people_and_channels_in_command_text_arrive_escaped(
    app: RecordingApp, workspace: Workspace, team: Team
) -> None:
    workspace.add_usergroup("oncall", ["alice"])

    workspace.command("alice", team.alerts, "/klaxon", "rule add /disk full/ to #alerts notify @bob @oncall @nobody")

    group_id = workspace.state()["usergroups"][0]["id"]
    assert app.received[0].payload["text"] == (
        f"rule add /disk full/ to <#{team.alerts}|alerts> notify <@{team.bob}|bob> "
        f"<!subteam^{group_id}|@oncall> @nobody")


def test_the_commands_immediate_answer_is_shown_only_to_its_user(app: RecordingApp, workspace: Workspace,
                                                                 team: Team) -> None:
    app.answer_with(body="Usage: /klaxon rule add …")  # what Bolt sends for ack("…")

    workspace.command("alice", team.alerts, "/klaxon", "help")

    [shown] = workspace.ephemerals("alice")
    assert (shown["text"], shown["channel"], shown["source"]) == (
        "Usage: /klaxon rule add …", team.alerts, "command ack")
    assert workspace.ephemerals("bob") == [] and workspace.messages(team.alerts) == []


def test_an_empty_ack_shows_nothing(workspace: Workspace, team: Team) -> None:
    workspace.command("alice", team.alerts, "/incident", "db down")

    assert workspace.ephemerals("alice") == []


def test_response_url_answers_are_ephemeral_by_default_or_in_channel(app: RecordingApp, workspace: Workspace,
                                                                     team: Team) -> None:
    workspace.command("alice", team.alerts, "/incident", "db down")
    respond = WebhookClient(app.received[0].payload["response_url"])

    private = respond.send(text="Declaring…")
    public = respond.send(text="Incident declared: db down", response_type="in_channel")
    workspace.wait_idle()

    assert (private.status_code, private.body, public.status_code) == (200, "ok", 200)
    assert [e["text"] for e in workspace.ephemerals("alice")] == ["Declaring…"]
    [posted] = workspace.messages(team.alerts)
    assert (posted["text"], posted["subtype"], posted["bot_id"]) == (
        "Incident declared: db down", "bot_message", "B0KLAXON")
    assert [r["body"]["text"] for r in workspace.responses()] == ["Declaring…", "Incident declared: db down"]
    [heard] = app.events("message")  # the app hears its in_channel answer, as a bot_message
    assert heard["subtype"] == "bot_message" and heard["ts"] == posted["ts"]


def test_a_response_url_takes_five_answers_at_most(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    workspace.command("alice", team.alerts, "/klaxon", "report")
    respond = WebhookClient(app.received[0].payload["response_url"])

    statuses = [respond.send(text=f"page {i}").status_code for i in range(6)]

    assert statuses == [200] * 5 + [404]
    assert "more than 5" in workspace.violations()[0].reason


def test_clicking_a_button_sends_block_actions(app: RecordingApp, slack: WebClient, workspace: Workspace,
                                               team: Team) -> None:
    # Given Klaxon's alert with an Acknowledge button
    ts = slack.chat_postMessage(channel=team.alerts, text="[Error] disk full", blocks=alert_blocks())["ts"]
    workspace.wait_idle()
    app.received.clear()

    # When bob clicks it
    outcome = workspace.click("bob", team.alerts, ts, "alert_ack")

    # Then the app gets a signed block_actions payload naming the button, message and person
    [request] = app.received
    assert request.signature_valid and request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    payload = request.payload
    assert payload["type"] == "block_actions"
    assert (payload["user"]["id"], payload["user"]["username"], payload["team"]["id"]) == (team.bob, "bob", "T0KLAXON")
    assert payload["channel"] == {"id": team.alerts, "name": "alerts"}
    assert payload["container"] == {
        "type": "message", "message_ts": ts, "channel_id": team.alerts, "is_ephemeral": False}
    assert payload["message"]["ts"] == ts and payload["message"]["blocks"][1]["elements"][0]["action_id"] == "alert_ack"
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type", "text")} == {
        "action_id": "alert_ack", "block_id": "alert_actions", "value": "alert-42", "type": "button",
        "text": ACK_BUTTON["text"]}
    assert action["action_ts"] and payload["trigger_id"] and payload["response_url"]
    assert (payload["api_app_id"], payload["token"]) == ("A0KLAXON", "emulator-verification-token")
    assert outcome.delivery.event_type == "block_actions"


def test_you_cannot_click_what_is_not_there(app: RecordingApp, slack: WebClient, workspace: Workspace,
                                            team: Team) -> None:
    ts = slack.chat_postMessage(channel=team.alerts, text="[Error] disk full", blocks=alert_blocks())["ts"]
    plain = workspace.post(team.alerts, "no buttons here", user="alice").ts
    workspace.wait_idle()
    before = len(app.received)

    with pytest.raises(WorkspaceError, match="no button 'alert_resolve'") as wrong_action:
        workspace.click("bob", team.alerts, ts, "alert_resolve")
    with pytest.raises(WorkspaceError) as wrong_value:
        workspace.click("bob", team.alerts, ts, "alert_ack", value="alert-43")
    with pytest.raises(WorkspaceError) as no_buttons:
        workspace.click("bob", team.alerts, plain, "alert_ack")

    assert wrong_action.value.status == wrong_value.value.status == no_buttons.value.status == 404
    assert len(app.received) == before


def test_the_app_replaces_the_clicked_message_through_the_response_url(
    app: RecordingApp, slack: WebClient, workspace: Workspace, team: Team
) -> None:
    ts = slack.chat_postMessage(channel=team.alerts, text="[Error] disk full", blocks=alert_blocks())["ts"]
    workspace.click("bob", team.alerts, ts, "alert_ack")
    response_url = app.received[-1].payload["response_url"]

    WebhookClient(response_url).send(text="Acknowledged by bob", replace_original=True)
    workspace.wait_idle()

    [message] = workspace.messages(team.alerts)
    assert (message["ts"], message["text"], "blocks" in message) == (ts, "Acknowledged by bob", False)
    assert app.events("message")[-1]["subtype"] == "message_changed"

    WebhookClient(response_url).send(delete_original=True)
    assert workspace.messages(team.alerts) == []


def test_buttons_in_ephemerals_can_be_clicked_by_their_viewer(app: RecordingApp, slack: WebClient,
                                                              workspace: Workspace, team: Team) -> None:
    slack.chat_postEphemeral(channel=team.alerts, user=team.alice, text="Confirm?", blocks=alert_blocks())
    [ephemeral] = workspace.ephemerals("alice")

    workspace.click("alice", team.alerts, ephemeral["ts"], "alert_ack")
    with pytest.raises(WorkspaceError):
        workspace.click("bob", team.alerts, ephemeral["ts"], "alert_ack")

    payload = app.received[-1].payload
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    WebhookClient(payload["response_url"]).send(delete_original=True)
    assert workspace.ephemerals("alice") == []


def open_modal_on_command(slack: WebClient) -> Any:
    def responder(request: Received) -> tuple[int, str, str]:
        payload = request.payload
        if payload.get("command"):
            slack.views_open(trigger_id=payload["trigger_id"], view={
                "type": "modal", "callback_id": "declare", "title": {"type": "plain_text", "text": "Declare"},
                "submit": {"type": "plain_text", "text": "Declare"},
                "blocks": [{"type": "input", "block_id": "summary",
                            "label": {"type": "plain_text", "text": "Summary"},
                            "element": {"type": "plain_text_input", "action_id": "summary_input"}},
                           {"type": "input", "block_id": "severity",
                            "label": {"type": "plain_text", "text": "Severity"},
                            "element": {"type": "static_select", "action_id": "severity_select", "options": [
                                {"text": {"type": "plain_text", "text": "SEV1"}, "value": "1"},
                                {"text": {"type": "plain_text", "text": "SEV2"}, "value": "2"}]}}]})
        return 200, "text/plain", ""

    return responder


def test_a_modal_opened_from_a_command_is_submitted_with_its_values(
    app: RecordingApp, slack: WebClient, workspace: Workspace, team: Team
) -> None:
    # Given the app opens a modal when alice runs /incident
    app.responder = open_modal_on_command(slack)
    workspace.command("alice", team.alerts, "/incident")
    [view_id] = workspace.state()["views"]

    # When alice fills it in and submits
    workspace.submit_view("alice", view_id, {"summary_input": "db down", "severity_select": "2"})

    # Then the app gets view_submission with the values, and the modal closes
    payload = app.received[-1].payload
    assert payload["type"] == "view_submission" and payload["view"]["callback_id"] == "declare"
    values = payload["view"]["state"]["values"]
    assert values["summary"]["summary_input"] == {"type": "plain_text_input", "value": "db down"}
    assert values["severity"]["severity_select"]["selected_option"]["value"] == "2"
    assert workspace.state()["views"] == {}


def test_a_modal_stays_open_when_the_app_answers_with_errors(
    app: RecordingApp, slack: WebClient, workspace: Workspace, team: Team
) -> None:
    app.responder = open_modal_on_command(slack)
    workspace.command("alice", team.alerts, "/incident")
    [view_id] = workspace.state()["views"]
    app.answer_with(body={"response_action": "errors", "errors": {"summary": "Required"}})

    workspace.submit_view("alice", view_id, {})

    assert list(workspace.state()["views"]) == [view_id]


def test_a_trigger_id_is_single_use_and_short_lived(app: RecordingApp, slack: WebClient, workspace: Workspace,
                                                    team: Team) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
    workspace.command("alice", team.alerts, "/klaxon")
    trigger = app.received[-1].payload["trigger_id"]
    slack.views_open(trigger_id=trigger, view=view)

    errors = []
    for attempt in (trigger, "123.456.unknown"):
        with pytest.raises(SlackApiError) as raised:
            slack.views_open(trigger_id=attempt, view=view)
        errors.append(raised.value.response["error"])
    workspace.configure(trigger_ttl=0)
    workspace.command("alice", team.alerts, "/klaxon")
    with pytest.raises(SlackApiError) as expired:
        slack.views_open(trigger_id=app.received[-1].payload["trigger_id"], view=view)

    assert errors == ["exchanged_trigger_id", "invalid_trigger_id"]
    assert expired.value.response["error"] == "expired_trigger_id"
