"""Channels, people and groups as the app sees them through the Web API."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import Workspace

from .conftest import Team


def test_the_app_creates_a_comms_channel_and_invites_people(slack: WebClient, workspace: Workspace, team: Team) -> None:
    created = slack.conversations_create(name="inc-20240101-db-down")["channel"]
    slack.conversations_invite(channel=created["id"], users=f"{team.alice},{team.bob}")
    slack.conversations_setTopic(channel=created["id"], topic="SEV2: db-1 down")

    info = slack.conversations_info(channel=created["id"])["channel"]
    assert created["id"].startswith("C") and created["is_member"] and created["creator"] == "U0KLAXON"
    assert info["topic"]["value"] == "SEV2: db-1 down"
    members = slack.conversations_members(channel=created["id"])["members"]
    assert set(members) == {"U0KLAXON", team.alice, team.bob}


@pytest.mark.parametrize(("name", "error"), [
    ("alerts", "name_taken"),
    ("Incident 1", "invalid_name_specials"),
    ("", "invalid_name_required"),
    ("x" * 81, "invalid_name_maxlength"),
])
def test_channel_names_follow_slacks_rules(slack: WebClient, team: Team, name: str, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        slack.api_call("conversations.create", json={"name": name})

    assert raised.value.response["error"] == error


def test_inviting_someone_already_there_fails(slack: WebClient, team: Team) -> None:
    with pytest.raises(SlackApiError) as raised:
        slack.conversations_invite(channel=team.alerts, users=team.alice)

    assert raised.value.response["error"] == "already_in_channel"
    assert raised.value.response["errors"] == [{"user": team.alice, "ok": False, "error": "already_in_channel"}]


def test_the_bot_joins_a_public_channel_once(slack: WebClient, team: Team) -> None:
    first = slack.conversations_join(channel=team.random)
    again = slack.conversations_join(channel=team.random)

    assert first["channel"]["is_member"] and "warning" not in first
    assert again["warning"] == "already_in_channel"


def test_conversations_list_shows_public_channels_and_private_ones_the_bot_is_in(
    slack: WebClient, workspace: Workspace, team: Team
) -> None:
    workspace.add_channel("ops-private", is_private=True, members=[team.alice])
    workspace.add_channel("hr-private", is_private=True, members=[team.bob], bot_member=False)

    public = {c["name"] for c in slack.conversations_list()["channels"]}
    everything = {c["name"] for c in slack.conversations_list(types="public_channel,private_channel")["channels"]}

    assert public == {"alerts", "random"}
    assert everything == {"alerts", "random", "ops-private"}


def test_users_are_found_by_id_and_email(slack: WebClient, workspace: Workspace, team: Team) -> None:
    workspace.add_user("carol", email="carol@example.com", is_admin=True)

    alice = slack.users_info(user=team.alice)["user"]
    carol = slack.users_lookupByEmail(email="carol@example.com")["user"]

    assert (alice["real_name"], alice["tz"], alice["tz_offset"] in (3600, 7200)) == ("Alice Doe", "Europe/Paris", True)
    assert carol["is_admin"] and not carol["is_bot"]
    with pytest.raises(SlackApiError) as unknown:
        slack.users_info(user="U404")
    with pytest.raises(SlackApiError) as nobody:
        slack.users_lookupByEmail(email="nobody@example.com")
    assert (unknown.value.response["error"], nobody.value.response["error"]) == ("user_not_found", "users_not_found")


def test_users_list_includes_bots(slack: WebClient, workspace: Workspace, team: Team) -> None:
    workspace.add_bot("grafana")

    members = {m["name"]: m for m in slack.users_list()["members"]}

    assert {"alice", "bob", "klaxon", "grafana", "slackbot"} <= set(members)
    assert members["grafana"]["is_bot"] and members["grafana"]["profile"]["bot_id"].startswith("B")


def test_usergroups_and_their_members(slack: WebClient, workspace: Workspace, team: Team) -> None:
    group = workspace.add_usergroup("oncall", ["alice", "bob"])

    listed = slack.usergroups_list(include_users=True)["usergroups"]
    users = slack.usergroups_users_list(usergroup=group["id"])["users"]

    assert group["id"].startswith("S")
    assert [(g["handle"], g["users"]) for g in listed] == [("oncall", [team.alice, team.bob])]
    assert users == [team.alice, team.bob]
    assert "users" not in slack.usergroups_list()["usergroups"][0]


def test_team_info(slack: WebClient) -> None:
    team = slack.team_info()["team"]

    assert (team["id"], team["name"], team["domain"]) == ("T0KLAXON", "Klaxon Demo", "klaxon-demo")


def test_a_group_dm_for_several_users(slack: WebClient, team: Team) -> None:
    channel = slack.conversations_open(users=f"{team.alice},{team.bob}")["channel"]

    assert channel["is_mpim"] and set(slack.conversations_members(channel=channel["id"])["members"]) == {
        "U0KLAXON", team.alice, team.bob}


def test_users_conversations_lists_the_channels_the_bot_is_in_public_and_private(
        slack: WebClient, workspace: Workspace, team: Team) -> None:
    secret = workspace.add_channel("secret", is_private=True)["id"]
    workspace.add_channel("elsewhere", is_private=True, bot_member=False)
    gone = workspace.add_channel("gone")["id"]
    workspace.archive(gone)

    listed = slack.users_conversations(types="public_channel,private_channel", exclude_archived=True, limit=999)

    assert {channel["id"] for channel in listed["channels"]} == {team.alerts, secret}
    assert all(channel["is_member"] for channel in listed["channels"])
    first = slack.users_conversations(types="public_channel,private_channel", limit=1)
    assert len(first["channels"]) == 1 and first["response_metadata"]["next_cursor"], "it pages like the others"


def test_every_answer_says_the_scopes_the_app_was_granted_and_a_reset_grants_them_all_again(
        slack: WebClient, workspace: Workspace) -> None:
    everything = set(slack.auth_test().headers["X-OAuth-Scopes"].split(","))

    assert workspace.grant_scopes(["chat:write", "commands"]) == ["chat:write", "commands"]
    assert slack.users_list(limit=5).headers["X-OAuth-Scopes"] == "chat:write,commands"

    workspace.reset()
    assert set(slack.auth_test().headers["X-OAuth-Scopes"].split(",")) == everything >= {"chat:write", "pins:read"}
