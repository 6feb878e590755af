"""Posting, threading, updating and reading messages through the Web API, with Slack's shapes and errors."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from infra.slack_emulator import Workspace

from .conftest import Team


def test_post_message_answers_with_the_stored_app_message(slack: WebClient, workspace: Workspace, team: Team) -> None:
    answer = slack.chat_postMessage(channel=team.alerts, text="CPU high", unfurl_links=False,
                                    metadata={"event_type": "x", "event_payload": {}})

    message = answer["message"]
    assert answer["channel"] == team.alerts
    assert message["ts"] == answer["ts"]
    assert (message["user"], message["bot_id"], message["app_id"]) == ("U0KLAXON", "B0KLAXON", "A0KLAXON")
    assert message["bot_profile"]["name"] == "klaxon"
    assert "subtype" not in message
    assert workspace.messages(team.alerts) == [message]


def test_timestamps_are_unique_and_increasing(slack: WebClient, team: Team) -> None:
    stamps = [slack.chat_postMessage(channel=team.alerts, text=str(i))["ts"] for i in range(20)]

    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 20
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_posting_to_a_user_id_opens_the_apps_dm(slack: WebClient, workspace: Workspace, team: Team) -> None:
    answer = slack.chat_postMessage(channel=team.alice, text="You are on call")

    assert answer["channel"].startswith("D")
    assert [m["text"] for m in workspace.ims("alice")] == ["You are on call"]
    assert slack.conversations_open(users=team.alice)["channel"]["id"] == answer["channel"]


def test_posting_by_channel_name(slack: WebClient, team: Team) -> None:
    assert slack.chat_postMessage(channel="#alerts", text="by name")["channel"] == team.alerts


def test_the_bot_cannot_post_where_it_is_not_a_member(slack: WebClient, workspace: Workspace, team: Team) -> None:
    private = workspace.add_channel("secret", is_private=True, members=[team.alice], bot_member=False)["id"]

    with pytest.raises(SlackApiError) as public:
        slack.chat_postMessage(channel=team.random, text="hello?")
    with pytest.raises(SlackApiError) as hidden:
        slack.chat_postMessage(channel=private, text="hello?")

    assert public.value.response["error"] == "not_in_channel"
    assert hidden.value.response["error"] == "channel_not_found"  # private channels are invisible to outsiders
    assert workspace.messages(team.random) == []


def test_archived_channels_refuse_posts(slack: WebClient, team: Team) -> None:
    slack.conversations_archive(channel=team.alerts)

    with pytest.raises(SlackApiError) as raised:
        slack.chat_postMessage(channel=team.alerts, text="too late")

    assert raised.value.response["error"] == "is_archived"


def test_thread_replies_update_the_parent(slack: WebClient, workspace: Workspace, team: Team) -> None:
    parent = workspace.post(team.alerts, "db-1 down", user="alice").ts
    reply = slack.chat_postMessage(channel=team.alerts, text="Paging on-call", thread_ts=parent)["message"]
    workspace.post(team.alerts, "looking", user="bob", thread_ts=parent)

    [root] = workspace.messages(team.alerts)
    assert (root["reply_count"], root["reply_users"]) == (2, ["U0KLAXON", team.bob])
    assert float(root["latest_reply"]) > float(reply["ts"])
    assert reply["thread_ts"] == parent and reply["parent_user_id"] == team.alice
    replies = slack.conversations_replies(channel=team.alerts, ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["db-1 down", "Paging on-call", "looking"]
    history = slack.conversations_history(channel=team.alerts)["messages"]
    assert [m["text"] for m in history] == ["db-1 down"]


def test_a_broadcast_reply_also_shows_in_the_channel(slack: WebClient, workspace: Workspace, team: Team) -> None:
    parent = workspace.post(team.alerts, "db-1 down", user="alice").ts

    slack.chat_postMessage(channel=team.alerts, text="Incident declared", thread_ts=parent, reply_broadcast=True)

    texts = [(m["text"], m.get("subtype")) for m in workspace.messages(team.alerts)]
    assert texts == [("db-1 down", None), ("Incident declared", "thread_broadcast")]


def test_replying_to_a_message_that_does_not_exist_fails(slack: WebClient, team: Team) -> None:
    with pytest.raises(SlackApiError) as raised:
        slack.chat_postMessage(channel=team.alerts, text="hm", thread_ts="1234.000001")

    assert raised.value.response["error"] == "thread_not_found"


def test_the_app_updates_its_own_message_keeping_blocks_it_does_not_resend(slack: WebClient, team: Team) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Alert* db-1"}}]
    ts = slack.chat_postMessage(channel=team.alerts, text="Alert", blocks=blocks)["ts"]

    answer = slack.chat_update(channel=team.alerts, ts=ts, text="Alert (x2)")

    assert (answer["channel"], answer["ts"], answer["text"]) == (team.alerts, ts, "Alert (x2)")
    assert answer["message"]["blocks"][0]["text"]["text"] == "*Alert* db-1"


def test_the_app_cannot_update_or_delete_someone_elses_message(
    slack: WebClient, workspace: Workspace, team: Team
) -> None:
    ts = workspace.post(team.alerts, "mine", user="alice").ts

    with pytest.raises(SlackApiError) as update:
        slack.chat_update(channel=team.alerts, ts=ts, text="edited by the bot")
    with pytest.raises(SlackApiError) as delete:
        slack.chat_delete(channel=team.alerts, ts=ts)
    with pytest.raises(SlackApiError) as missing:
        slack.chat_update(channel=team.alerts, ts="1.000001", text="?")

    assert update.value.response["error"] == "cant_update_message"
    assert delete.value.response["error"] == "cant_delete_message"
    assert missing.value.response["error"] == "message_not_found"
    assert workspace.messages(team.alerts)[0]["text"] == "mine"


def test_the_app_deletes_its_message(slack: WebClient, workspace: Workspace, team: Team) -> None:
    ts = slack.chat_postMessage(channel=team.alerts, text="oops")["ts"]

    assert slack.chat_delete(channel=team.alerts, ts=ts).data == {"ok": True, "channel": team.alerts, "ts": ts}
    assert workspace.messages(team.alerts) == []


def test_permalinks_for_messages_and_thread_replies(slack: WebClient, team: Team) -> None:
    parent = slack.chat_postMessage(channel=team.alerts, text="parent")["ts"]
    reply = slack.chat_postMessage(channel=team.alerts, text="reply", thread_ts=parent)["ts"]

    top = slack.chat_getPermalink(channel=team.alerts, message_ts=parent)["permalink"]
    nested = slack.chat_getPermalink(channel=team.alerts, message_ts=reply)["permalink"]

    assert top == f"https://klaxon-demo.slack.com/archives/{team.alerts}/p{parent.replace('.', '')}"
    assert nested == (f"https://klaxon-demo.slack.com/archives/{team.alerts}/p{reply.replace('.', '')}"
                      f"?thread_ts={parent}&cid={team.alerts}")


def test_ephemerals_are_only_for_members_and_only_seen_by_them(
    slack: WebClient, workspace: Workspace, team: Team
) -> None:
    outsider = workspace.add_user("carol")["id"]

    answer = slack.chat_postEphemeral(channel=team.alerts, user=team.alice, text="only you")
    with pytest.raises(SlackApiError) as raised:
        slack.chat_postEphemeral(channel=team.alerts, user=outsider, text="not here")

    assert answer["message_ts"]
    assert [e["text"] for e in workspace.ephemerals("alice")] == ["only you"]
    assert workspace.ephemerals("bob") == [] and workspace.messages(team.alerts) == []
    assert raised.value.response["error"] == "user_not_in_channel"


def test_history_pages_with_a_cursor(slack: WebClient, team: Team) -> None:
    for i in range(5):
        slack.chat_postMessage(channel=team.alerts, text=f"m{i}")

    first = slack.conversations_history(channel=team.alerts, limit=3)
    second = slack.conversations_history(channel=team.alerts, limit=3,
                                         cursor=first["response_metadata"]["next_cursor"])

    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"] and first["has_more"]
    assert [m["text"] for m in second["messages"]] == ["m1", "m0"] and not second["has_more"]
