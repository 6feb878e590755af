"""Slack refuses messages over Block Kit's limits; so does the emulator, and it records the violation."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import Workspace

from .conftest import Team


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Ack", action_id: str = "ack", value: str = "1") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}


def context(count: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": str(i)} for i in range(count)]}


def actions(count: int) -> dict[str, Any]:
    return {"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(count)]}


def header(text: str, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": "header", "text": {"type": kind, "text": text}}


AT_THE_LIMITS = [
    [section("x") for _ in range(50)],
    [section("x" * 3000)],
    [header("x" * 150)],
    [context(10)],
    [actions(25)],
    [{"type": "actions", "elements": [button(text="x" * 75, action_id="a" * 255, value="v" * 2000)]}],
    [{**section("x"), "block_id": "b" * 255}],
]

OVER_THE_LIMITS = [
    ([section("x") for _ in range(51)], "no more than 50 items allowed [json-pointer:/blocks]"),
    ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
    ([header("x" * 151)], "must be less than 151 characters [json-pointer:/blocks/0/text/text]"),
    ([header("*bold*", kind="mrkdwn")], "[json-pointer:/blocks/0/text/type]"),
    ([context(11)], "no more than 10 items allowed [json-pointer:/blocks/0/elements]"),
    ([actions(26)], "no more than 25 items allowed [json-pointer:/blocks/0/elements]"),
    ([{"type": "actions", "elements": [button(text="x" * 76)]}], "[json-pointer:/blocks/0/elements/0/text/text]"),
    ([{"type": "actions", "elements": [button(action_id="a" * 256)]}], "[json-pointer:/blocks/0/elements/0/action_id]"),
    ([{"type": "actions", "elements": [button(value="v" * 2001)]}], "[json-pointer:/blocks/0/elements/0/value]"),
    ([{**section("x"), "block_id": "b" * 256}], "[json-pointer:/blocks/0/block_id]"),
    ([{**section("a"), "block_id": "same"}, {**section("b"), "block_id": "same"}], "duplicate block_id"),
    ([{"type": "carousel"}], "unknown block type: carousel [json-pointer:/blocks/0/type]"),
]


@pytest.mark.parametrize("blocks", AT_THE_LIMITS)
def test_blocks_at_the_limits_are_accepted(slack: WebClient, workspace: Workspace, team: Team,
                                           blocks: list[dict[str, Any]]) -> None:
    assert slack.chat_postMessage(channel=team.alerts, text="fallback", blocks=blocks)["ok"]
    assert workspace.violations() == []


@pytest.mark.parametrize(("blocks", "complaint"), OVER_THE_LIMITS)
def test_blocks_over_the_limits_are_refused_naming_the_problem(
    slack: WebClient, workspace: Workspace, team: Team, blocks: list[dict[str, Any]], complaint: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        slack.chat_postMessage(channel=team.alerts, text="fallback", blocks=blocks)

    answer = raised.value.response
    assert answer["error"] == "invalid_blocks"
    assert any(complaint in line and line.startswith("[ERROR]") for line in answer["response_metadata"]["messages"])
    assert workspace.messages(team.alerts) == []
    [violation] = workspace.violations()
    assert complaint in violation.reason


def test_text_longer_than_40000_characters_is_too_long(slack: WebClient, workspace: Workspace, team: Team) -> None:
    assert slack.chat_postMessage(channel=team.alerts, text="x" * 40_000)["ok"]

    with pytest.raises(SlackApiError) as raised:
        slack.chat_postMessage(channel=team.alerts, text="x" * 40_001)

    assert raised.value.response["error"] == "msg_too_long"
    assert len(workspace.violations()) == 1


def test_updates_are_held_to_the_same_limits(slack: WebClient, team: Team) -> None:
    ts = slack.chat_postMessage(channel=team.alerts, text="alert")["ts"]

    with pytest.raises(SlackApiError) as raised:
        slack.chat_update(channel=team.alerts, ts=ts, text="alert", blocks=[section("x" * 3001)])

    assert raised.value.response["error"] == "invalid_blocks"


def test_a_message_with_nothing_in_it_is_refused(slack: WebClient, team: Team) -> None:
    with pytest.raises(SlackApiError) as raised:
        slack.api_call("chat.postMessage", json={"channel": team.alerts})

    assert raised.value.response["error"] == "no_text"


def test_blocks_sent_form_encoded_as_a_json_string_are_checked_too(slack: WebClient, team: Team) -> None:
    # slack_sdk sends chat.update form-encoded, blocks as a JSON string
    ts = slack.chat_postMessage(channel=team.alerts, text="alert")["ts"]

    answer = slack.api_call("chat.update", params={"channel": team.alerts, "ts": ts, "text": "t",
                                                   "blocks": '[{"type": "divider"}]'})

    assert answer["message"]["blocks"][0]["type"] == "divider"
