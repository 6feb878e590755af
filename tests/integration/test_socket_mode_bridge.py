"""The Socket Mode bridge hands the Slack function the very request Slack would have POSTed over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.request import SocketModeRequest

from infra.local.http_api import HttpRequest, HttpResponse
from infra.local.socket_mode import SocketModeBridge, SocketModeError
from infra.slack_emulator.events import Outgoing, form_request, json_request
from infra.slack_emulator.socket_mode import envelope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "events"
SECRET = "bridge-signing-secret"


def no_function(request: HttpRequest) -> HttpResponse:
    raise AssertionError("not served in these tests")


@pytest.fixture(scope="module")
def bridge() -> Iterator[SocketModeBridge]:
    bridge = SocketModeBridge("xapp-1-A111-1-test", SECRET, "http://127.0.0.1:9/api/", no_function, "/slack/events")
    yield bridge
    bridge.close()  # never connected; stops the client's worker threads


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
        SocketModeBridge(app_token, secret, "http://127.0.0.1:9/api/", no_function, "/slack/events")
