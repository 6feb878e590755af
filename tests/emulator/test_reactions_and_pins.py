"""Reactions and pins the app makes, with Slack's errors."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import Workspace

from .conftest import Team


def test_reactions_accumulate_per_name_with_users_and_count(slack: WebClient, workspace: Workspace, team: Team) -> None:
    ts = workspace.post(team.alerts, "disk full on db-1", user="alice").ts
    workspace.react("bob", team.alerts, ts, "white_check_mark")

    slack.reactions_add(channel=team.alerts, timestamp=ts, name="white_check_mark")

    message = slack.reactions_get(channel=team.alerts, timestamp=ts)
    assert message["type"] == "message" and message["channel"] == team.alerts
    assert message["message"]["reactions"] == [
        {"name": "white_check_mark", "users": [team.bob, "U0KLAXON"], "count": 2}]


def test_reacting_twice_or_removing_what_is_not_there_fails(slack: WebClient, workspace: Workspace, team: Team) -> None:
    ts = workspace.post(team.alerts, "known noise", user="alice").ts
    slack.reactions_add(channel=team.alerts, timestamp=ts, name="eyes")

    with pytest.raises(SlackApiError) as twice:
        slack.reactions_add(channel=team.alerts, timestamp=ts, name="eyes")
    with pytest.raises(SlackApiError) as absent:
        slack.reactions_remove(channel=team.alerts, timestamp=ts, name="fire")
    with pytest.raises(SlackApiError) as nowhere:
        slack.reactions_add(channel=team.alerts, timestamp="1.000001", name="eyes")

    assert twice.value.response["error"] == "already_reacted"
    assert absent.value.response["error"] == "no_reaction"
    assert nowhere.value.response["error"] == "message_not_found"


def test_removing_the_last_reaction_removes_the_reactions_field(
    slack: WebClient, workspace: Workspace, team: Team
) -> None:
    ts = workspace.post(team.alerts, "flap", user="alice").ts
    slack.reactions_add(channel=team.alerts, timestamp=ts, name="eyes")

    slack.reactions_remove(channel=team.alerts, timestamp=ts, name="eyes")

    assert "reactions" not in slack.reactions_get(channel=team.alerts, timestamp=ts)["message"]


def test_pins_are_listed_newest_first_and_cannot_be_doubled(slack: WebClient, workspace: Workspace, team: Team) -> None:
    first = workspace.post(team.alerts, "first update", user="alice").ts
    second = workspace.post(team.alerts, "second update", user="bob").ts
    slack.pins_add(channel=team.alerts, timestamp=first)
    slack.pins_add(channel=team.alerts, timestamp=second)

    with pytest.raises(SlackApiError) as again:
        slack.pins_add(channel=team.alerts, timestamp=first)

    items = slack.pins_list(channel=team.alerts)["items"]
    assert [i["message"]["text"] for i in items] == ["second update", "first update"]
    assert items[0]["created_by"] == "U0KLAXON" and items[0]["message"]["permalink"].startswith("https://")
    assert again.value.response["error"] == "already_pinned"
    slack.pins_remove(channel=team.alerts, timestamp=first)
    assert len(slack.pins_list(channel=team.alerts)["items"]) == 1
