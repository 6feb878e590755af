"""The Web API holds the app to Slack's published contract, and records every call."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import SlackEmulator, Workspace

from .conftest import Team


def test_a_method_slack_does_not_have_is_refused_and_recorded(slack: WebClient, workspace: Workspace) -> None:
    # When the app calls a method that is not in Slack's spec
    with pytest.raises(SlackApiError) as raised:
        slack.api_call("chat.postMesage", json={"channel": "C1", "text": "typo"})

    # Then Slack's answer comes back, and the call is a violation
    assert raised.value.response.data == {"ok": False, "error": "unknown_method", "req_method": "chat.postMesage"}
    [violation] = workspace.violations()
    assert violation.method == "chat.postMesage"
    assert violation.reason == "unknown method"


def test_a_missing_required_argument_is_refused_and_recorded(slack: WebClient, workspace: Workspace) -> None:
    # When the app posts without saying where
    with pytest.raises(SlackApiError) as raised:
        slack.api_call("chat.postMessage", json={"text": "where does this go?"})

    # Then the error names the field, as Slack does
    assert raised.value.response["error"] == "invalid_arguments"
    assert raised.value.response["response_metadata"]["messages"] == ["[ERROR] missing required field: channel"]
    [violation] = workspace.violations()
    assert (violation.method, violation.args) == ("chat.postMessage", {"text": "where does this go?"})
    assert "channel" in violation.reason


def test_the_bearer_header_satisfies_the_required_token(slack: WebClient, workspace: Workspace) -> None:
    assert slack.auth_test()["ok"]
    assert workspace.violations() == []


def test_a_wrong_token_is_invalid_auth_and_no_token_is_not_authed(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-someone-else", base_url=emulator.api_url).auth_test()
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=emulator.api_url).auth_test()

    assert wrong.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"


def test_auth_test_tells_bolt_who_the_bot_is(slack: WebClient) -> None:
    answer = slack.auth_test()

    assert answer.data == {
        "ok": True, "url": "https://klaxon-demo.slack.com/", "team": "Klaxon Demo", "user": "klaxon",
        "team_id": "T0KLAXON", "user_id": "U0KLAXON", "bot_id": "B0KLAXON", "is_enterprise_install": False,
    }
    assert "chat:write" in answer.headers["X-OAuth-Scopes"]


def test_every_call_is_recorded_with_its_outcome(slack: WebClient, workspace: Workspace, team: Team) -> None:
    # Given one successful and one failed call
    slack.chat_postMessage(channel=team.alerts, text="disk full")
    with pytest.raises(SlackApiError):
        slack.chat_postMessage(channel=team.random, text="not a member here")

    # Then both are in the log, the token is not
    posts = workspace.calls("chat.postMessage")
    assert [(c.ok, c.error) for c in posts] == [(True, None), (False, "not_in_channel")]
    assert posts[0].args == {"channel": team.alerts, "text": "disk full"}
    assert all(c.method == "chat.postMessage" for c in posts)


def test_form_encoded_calls_with_the_token_as_a_parameter_work(emulator: SlackEmulator, team: Team) -> None:
    # slack_sdk sends most methods form-encoded; older clients put the token in the form
    client = WebClient(base_url=emulator.api_url)
    answer = client.api_call("users.info", params={"token": "xoxb-klaxon-emulator", "user": team.alice})

    assert answer["user"]["name"] == "alice"
