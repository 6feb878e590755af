"""The Socket Mode bridge hands the Slack function the very request Slack would have POSTed over HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from infra.local.http_api import HttpRequest, HttpResponse
from infra.local.socket_mode import SocketModeBridge, SocketModeError
from infra.slack_emulator.events import Outgoing, form_request, json_request
from infra.slack_emulator.socket_mode import envelope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "events"
SECRET = "bridge-signing-secret"


class Function:
    """Stands in for the local cloud serving the Slack function: records requests, gives `answer`."""

    def __init__(self) -> None:
        self.served: list[HttpRequest] = []
        self.answer = HttpResponse(200, {}, b"")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.served.append(request)
        return self.answer


@pytest.fixture(scope="module")
def module_function() -> Function:
    return Function()


@pytest.fixture
def function(module_function: Function) -> Function:
    module_function.served.clear()
    return module_function


@pytest.fixture(scope="module")
def bridge(module_function: Function) -> Iterator[SocketModeBridge]:
    """One for the module (closing a client takes a second); it never connects: tests hand it envelopes."""
    bridge = SocketModeBridge("xapp-1-A111-1-test", SECRET, "http://127.0.0.1:9/api/", module_function,
                              "/slack/events")
    yield bridge
    bridge.close()


def fixture(name: str) -> dict:
    return dict(json.loads((FIXTURES / name).read_text()))


# Slack's own payloads (Bolt's test data), as Slack would POST them over HTTP
OVER_HTTP = [
    json_request("Ev1", "event", "app_mention", fixture("event_app_mention.json")),
    json_request("Ev2", "event", "reaction_added", fixture("event_reaction_added.json")),
    form_request("Cmd1", "command", "/hello-world", dict(parse_qsl(
        (FIXTURES / "slash_command_body.form-urlencoded.txt").read_text().strip()))),
    form_request("Act1", "interaction", "block_actions",
                 {"payload": json.dumps(fixture("interactive_block_actions.json"))}),
    form_request("Act2", "interaction", "view_submission",
                 {"payload": json.dumps(fixture("interactive_view_submission.json"))}),
]


@pytest.mark.parametrize("over_http", OVER_HTTP, ids=lambda o: f"{o.kind}-{o.event_type}")
def test_an_envelope_becomes_the_same_signed_request_slack_would_have_posted(
        bridge: SocketModeBridge, over_http: Outgoing) -> None:
    over_socket = SocketModeRequest.from_dict(envelope(over_http, "env-1", 0, None))
    assert over_socket is not None

    request = bridge.slack_request(over_socket)

    assert request is not None and (request.method, request.path) == ("POST", "/slack/events")
    assert request.body == over_http.body.encode()  # byte for byte
    headers = dict(request.headers)
    assert headers["content-type"] == over_http.content_type
    assert SignatureVerifier(SECRET).is_valid(request.body.decode(), headers["x-slack-request-timestamp"],
                                              headers["x-slack-signature"])
    assert "x-slack-retry-num" not in headers
    assert BoltRequest(body=request.body.decode(), headers=headers).body == over_socket.payload


def test_a_retried_envelope_carries_slacks_retry_headers(bridge: SocketModeBridge) -> None:
    retried = SocketModeRequest.from_dict(envelope(OVER_HTTP[0], "env-2", 2, "timeout"))
    assert retried is not None

    request = bridge.slack_request(retried)

    assert request is not None
    headers = dict(request.headers)
    assert (headers["x-slack-retry-num"], headers["x-slack-retry-reason"]) == ("2", "timeout")


@pytest.mark.parametrize(("app_token", "secret", "problem"), [
    ("xoxb-a-bot-token", SECRET, "app-level token"),
    ("", SECRET, "app-level token"),
    ("xapp-1-A111-1-test", "", "SLACK_SIGNING_SECRET"),
])
def test_socket_mode_needs_an_app_token_and_the_signing_secret(app_token: str, secret: str, problem: str) -> None:
    with pytest.raises(SocketModeError, match=problem):
        SocketModeBridge(app_token, secret, "http://127.0.0.1:9/api/", Function(), "/slack/events")


class Acks:
    """Stands in for the socket: what the bridge acknowledged, by envelope id."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.logger = logging.getLogger("test.socket")

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.sent.append(response.to_dict())


@pytest.mark.parametrize(("answer", "ack"), [
    (HttpResponse(200, {}, b""), {"envelope_id": "env-3"}),
    (HttpResponse(200, {"content-type": "application/json"},
                  b'{"response_action": "errors", "errors": {"summary": "Say what happens"}}'),
     {"envelope_id": "env-3", "payload": {"response_action": "errors", "errors": {"summary": "Say what happens"}}}),
    (HttpResponse(200, {"content-type": "text/plain;charset=utf-8"}, b"Working on it"),
     {"envelope_id": "env-3", "payload": {"text": "Working on it"}}),
], ids=["empty", "response_action", "text"])
def test_the_functions_answer_goes_back_as_the_envelopes_ack(
        bridge: SocketModeBridge, function: Function, answer: HttpResponse, ack: dict) -> None:
    function.answer = answer
    socket = Acks()

    bridge.handle(socket, SocketModeRequest.from_dict(envelope(OVER_HTTP[4], "env-3", 0, None)))  # type: ignore[arg-type]

    assert len(function.served) == 1 and socket.sent == [ack]


def test_an_envelope_the_function_failed_on_is_not_acknowledged_so_slack_sends_it_again(
        bridge: SocketModeBridge, function: Function) -> None:
    function.answer = HttpResponse(500, {}, b'{"message": "Internal Server Error"}')
    socket = Acks()

    bridge.handle(socket, SocketModeRequest.from_dict(envelope(OVER_HTTP[0], "env-4", 0, None)))  # type: ignore[arg-type]

    assert len(function.served) == 1 and socket.sent == []
