"""Socket Mode: tickets from apps.connections.open, hello, envelopes acknowledged by id, retries, disconnects.

The app side is slack_sdk's own SocketModeClient (the one Bolt's Socket Mode adapter runs on), or a
bare WebSocket where a test needs an app that misbehaves.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from infra.slack_emulator import SlackEmulator, Workspace
from infra.slack_emulator.settings import DEFAULT_APP_TOKEN

from .app_double import RecordingApp
from .conftest import BOT_TOKEN, SIGNING_SECRET, Team

Answer = Callable[[SocketModeRequest], dict[str, Any] | None]


@pytest.fixture(scope="module")
def request_url() -> Iterator[RecordingApp]:
    """A request URL is configured too, to show that nothing goes there in Socket Mode."""
    app = RecordingApp(SIGNING_SECRET)
    yield app
    app.stop()


@pytest.fixture(scope="module")
def connected(request_url: RecordingApp) -> Iterator[tuple[SlackEmulator, App]]:
    """One emulator in Socket Mode and one connected app for the module (closing a client takes seconds)."""
    with SlackEmulator(app_url=request_url.url, signing_secret=SIGNING_SECRET, socket_mode=True) as emulator:
        app = App(emulator)
        app.client.connect()
        yield emulator, app
        app.client.close()


@pytest.fixture
def emulator(connected: tuple[SlackEmulator, App]) -> SlackEmulator:
    """The module's emulator, reset to an empty workspace; unacknowledged events are retried at once."""
    emulator, app = connected
    workspace = Workspace(emulator.url)
    workspace.reset()
    workspace.configure(delivery_timeout=10.0, socket_retry_delays=[0, 0, 0])
    app.received.clear()
    app.answer = lambda request: None
    return emulator


@pytest.fixture
def socket_app(connected: tuple[SlackEmulator, App], emulator: SlackEmulator) -> App:
    return connected[1]


class App:
    """slack_sdk's SocketModeClient, acknowledging every envelope with `answer(request)` as payload."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self.received: list[SocketModeRequest] = []
        self.answer: Answer = lambda request: None
        self.client = SocketModeClient(app_token=DEFAULT_APP_TOKEN, web_client=WebClient(base_url=emulator.api_url))
        self.client.socket_mode_request_listeners.append(self._on_request)

    def _on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        self.received.append(request)
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, payload=self.answer(request)))


def open_url(emulator: SlackEmulator, token: str = DEFAULT_APP_TOKEN) -> str:
    return str(WebClient(base_url=emulator.api_url).apps_connections_open(app_token=token)["url"])


def receive(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(socket.recv(timeout=5))
    return message


def until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the timeout"
        time.sleep(0.02)


# Connecting


def test_connections_open_takes_only_the_app_level_token(emulator: SlackEmulator, workspace: Workspace) -> None:
    assert open_url(emulator).startswith("ws://127.0.0.1:")

    for token, error in ((BOT_TOKEN, "not_allowed_token_type"), ("xapp-1-A0OTHER-1-x", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            WebClient(base_url=emulator.api_url).apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=DEFAULT_APP_TOKEN, base_url=emulator.api_url).auth_test()  # the app token is no bot token
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert [call.ok for call in workspace.calls("apps.connections.open")] == [True, False, False]
    assert workspace.violations() == []  # newer than the 2021 spec, and still no contract breach


def test_a_ticket_opens_one_connection_which_says_hello(emulator: SlackEmulator) -> None:
    url = open_url(emulator)

    with connect(url) as socket:
        hello = receive(socket)
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": "A0KLAXON"}
        assert hello["num_connections"] == 2  # the module's app, and this one
        with pytest.raises(InvalidStatus) as refused:
            connect(url)  # the same ticket again
        assert refused.value.response.status_code == 401


# Envelopes


def test_an_event_goes_down_the_socket_as_an_events_api_envelope(
        socket_app: App, workspace: Workspace, team: Team, app: RecordingApp) -> None:
    outcome = workspace.post("#alerts", "disk full on db-7", user="alice")

    (request,) = socket_app.received
    assert request.type == "events_api" and request.accepts_response_payload is False
    assert request.retry_attempt == 0 and request.retry_reason == ""
    assert request.payload["event"]["text"] == "disk full on db-7"
    assert request.payload["event_id"] == outcome.delivery.id
    assert outcome.delivery.ok and outcome.delivery.url and outcome.delivery.url.startswith("ws://")
    assert app.received == []  # nothing went to the request URL


def test_a_command_is_answered_with_the_acks_payload(socket_app: App, workspace: Workspace, team: Team) -> None:
    socket_app.answer = lambda request: {"text": f"you said {request.payload['text']}"}

    outcome = workspace.command("alice", "#alerts", "/klaxon", "rule list")

    (request,) = socket_app.received
    assert request.type == "slash_commands" and request.accepts_response_payload is True
    assert request.payload["command"] == "/klaxon" and request.payload["user_id"] == team.alice
    assert outcome.delivery.ok
    assert [e["text"] for e in workspace.ephemerals("alice")] == ["you said rule list"]


def test_a_view_submission_is_refused_by_a_response_action_in_the_ack(
        emulator: SlackEmulator, socket_app: App, workspace: Workspace, slack: WebClient, team: Team) -> None:
    # Given the app opened a modal from a command's trigger
    triggers: list[str] = []
    socket_app.answer = lambda request: triggers.append(request.payload["trigger_id"]) or None
    workspace.command("alice", "#alerts", "/incident")
    view = slack.views_open(trigger_id=triggers[0], view={
        "type": "modal", "callback_id": "declare", "title": {"type": "plain_text", "text": "Declare"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [{"type": "input", "block_id": "summary", "label": {"type": "plain_text", "text": "Summary"},
                    "element": {"type": "plain_text_input", "action_id": "summary"}}]})["view"]

    # When alice submits it and the app answers with errors
    socket_app.answer = lambda request: {"response_action": "errors", "errors": {"summary": "Say what happens"}}
    outcome = workspace.submit_view("alice", view["id"], {"summary": ""})

    # Then the envelope was an interactive one that takes a payload, and the modal stays open
    assert socket_app.received[-1].type == "interactive"
    assert socket_app.received[-1].accepts_response_payload is True
    assert outcome.delivery.json()["response_action"] == "errors"
    assert view["id"] in workspace.state()["views"]


def test_a_button_click_arrives_as_an_interactive_envelope(
        socket_app: App, workspace: Workspace, slack: WebClient, team: Team) -> None:
    posted = slack.chat_postMessage(channel=team.alerts, text="alert", blocks=[{
        "type": "actions", "elements": [{"type": "button", "action_id": "ack", "value": "a1",
                                         "text": {"type": "plain_text", "text": "Acknowledge"}}]}])
    workspace.wait_idle()
    socket_app.received.clear()

    outcome = workspace.click("bob", team.alerts, posted["ts"], "ack")

    (request,) = socket_app.received
    assert request.type == "interactive" and request.payload["type"] == "block_actions"
    assert request.accepts_response_payload is False
    assert request.payload["actions"][0]["value"] == "a1" and outcome.delivery.ok


# Acknowledgements that do not come


def test_an_unacknowledged_event_is_sent_again_until_acknowledged(
        emulator: SlackEmulator, workspace: Workspace, team: Team) -> None:
    workspace.configure(delivery_timeout=0.5)
    with connect(open_url(emulator)) as socket:  # the newest connection: envelopes come here
        receive(socket)  # hello
        posting = threading.Thread(target=workspace.post, args=("#alerts", "disk full"), kwargs={"user": "bob"})
        posting.start()
        first = receive(socket)  # not acknowledged
        retry = receive(socket)
        socket.send(json.dumps({"envelope_id": retry["envelope_id"]}))
        posting.join()
        workspace.wait_idle()

    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
    assert retry["payload"] == first["payload"]  # the very same event, event_id included
    assert retry["envelope_id"] != first["envelope_id"]
    assert [(d.attempt, d.failure) for d in workspace.deliveries()] == [(0, "timeout"), (1, None)]


def test_an_event_nobody_acknowledges_is_tried_four_times_in_all(
        emulator: SlackEmulator, workspace: Workspace, team: Team) -> None:
    workspace.configure(delivery_timeout=0.2)
    with connect(open_url(emulator)) as socket:
        receive(socket)
        workspace.post("#alerts", "disk full", user="bob")
        attempts = [receive(socket)["retry_attempt"] for _ in range(4)]
        assert workspace.wait_idle() is None

    assert attempts == [0, 1, 2, 3]
    assert [d.failure for d in workspace.deliveries()] == ["timeout"] * 4


def test_a_command_nobody_acknowledges_is_not_sent_again(
        emulator: SlackEmulator, workspace: Workspace, team: Team) -> None:
    workspace.configure(delivery_timeout=0.2)
    with connect(open_url(emulator)) as socket:
        receive(socket)
        outcome = workspace.command("alice", "#alerts", "/klaxon", "help")
        workspace.wait_idle()

    assert outcome.delivery.failure == "timeout"
    assert len(workspace.deliveries()) == 1


def test_an_event_sent_while_no_app_is_connected_arrives_once_it_connects() -> None:
    with SlackEmulator(socket_mode=True) as emulator:
        workspace = Workspace(emulator.url)
        workspace.configure(delivery_timeout=0.2, socket_retry_delays=[0.5, 60, 300])
        workspace.add_user("bob")
        workspace.add_channel("alerts", members=["bob"])

        outcome = workspace.post("#alerts", "disk full", user="bob")  # nobody connected
        with connect(open_url(emulator)) as socket:
            receive(socket)  # hello
            retry = receive(socket)
            socket.send(json.dumps({"envelope_id": retry["envelope_id"]}))
            workspace.wait_idle()

        assert outcome.delivery.failure == "connection_failed"
        assert retry["retry_attempt"] == 1 and retry["payload"]["event"]["text"] == "disk full"
        assert [d.ok for d in workspace.deliveries()] == [False, True]


# Disconnects


def test_a_disconnect_makes_the_app_reconnect_and_events_follow_it(socket_app: App, workspace: Workspace,
                                                                    team: Team) -> None:
    for told, reason in enumerate(("refresh_requested", "link_disabled"), start=1):
        assert workspace.socket_disconnect(reason) == 1

        until(lambda opened=told + 1: len(workspace.socket_connections()) == opened and [
            c["retiring"] for c in workspace.socket_connections() if c["closed_at"] is None] == [False])
        outcome = workspace.post("#alerts", f"after {reason}", user="alice")

        assert outcome.delivery.ok and socket_app.received[-1].payload["event"]["text"] == f"after {reason}"
    assert [c["retiring"] for c in workspace.socket_connections()] == [True, True, False]
    assert len(workspace.calls("apps.connections.open")) == 2  # the first was before this test's reset


def test_a_disconnect_reason_slack_does_not_send_is_refused(workspace: Workspace) -> None:
    with pytest.raises(Exception, match="reason is one of"):
        workspace.socket_disconnect("because")
