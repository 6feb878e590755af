"""What the app hears: signed Events API deliveries shaped like Slack's."""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient

from infra.slack_emulator import SlackEmulator, Workspace

from .app_double import Received, RecordingApp
from .conftest import Team


def test_a_user_message_arrives_signed_in_an_event_callback(
    app: RecordingApp, workspace: Workspace, team: Team
) -> None:
    # When alice posts in a channel Klaxon is in
    posted = workspace.post(team.alerts, "db-1 is down", user="alice")

    # Then the app got one correctly signed event_callback, and answered it
    [request] = app.received
    assert request.signature_valid
    assert request.headers["Content-Type"] == "application/json"
    envelope = request.payload
    assert envelope["type"] == "event_callback"
    assert (envelope["team_id"], envelope["api_app_id"]) == ("T0KLAXON", "A0KLAXON")
    assert envelope["event_id"] == posted.delivery.id and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == "U0KLAXON" and envelope["authorizations"][0]["is_bot"]
    assert envelope["is_ext_shared_channel"] is False and envelope["event_context"]
    event = envelope["event"]
    assert {k: event[k] for k in ("type", "user", "text", "ts", "channel", "event_ts", "channel_type", "team")} == {
        "type": "message", "user": team.alice, "text": "db-1 is down", "ts": posted.ts, "channel": team.alerts,
        "event_ts": posted.ts, "channel_type": "channel", "team": "T0KLAXON"}
    assert event["blocks"][0]["type"] == "rich_text" and event["client_msg_id"]
    assert "subtype" not in event and "bot_id" not in event
    assert posted.delivery.ok and posted.delivery.status == 200


def test_nothing_is_delivered_from_channels_klaxon_is_not_in(
    app: RecordingApp, workspace: Workspace, team: Team
) -> None:
    posted = workspace.post(team.random, "lunch?", user="alice")

    assert posted.deliveries == [] and app.received == []
    assert workspace.messages(team.random)[0]["text"] == "lunch?"


def test_a_legacy_monitoring_bot_posts_a_bot_message(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    grafana = workspace.add_bot("grafana")
    attachment = {"title": "[Alerting] CPU", "text": "cpu 97%", "fallback": "CPU alert", "color": "danger"}

    workspace.post(team.alerts, "", bot="grafana", attachments=[attachment])

    [event] = app.events("message")
    assert (event["subtype"], event["bot_id"], event["username"]) == ("bot_message", grafana["bot_id"], "grafana")
    assert "user" not in event
    assert event["attachments"] == [{**attachment, "id": 1}]


def test_a_modern_app_bot_posts_with_user_bot_and_app_ids(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    datadog = workspace.add_bot("datadog")

    workspace.post(team.alerts, "Monitor triggered", bot="datadog", as_app=True)

    [event] = app.events("message")
    assert (event["user"], event["bot_id"], event["app_id"]) == (
        datadog["user_id"], datadog["bot_id"], datadog["app_id"])
    assert "subtype" not in event and event["bot_profile"]["name"] == "datadog"


def test_a_thread_reply_is_a_plain_message_with_thread_ts(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    parent = workspace.post(team.alerts, "db-1 down", user="alice").ts

    reply = workspace.post(team.alerts, "on it", user="bob", thread_ts=parent)
    workspace.post(team.alerts, "fixed", user="bob", thread_ts=parent, reply_broadcast=True)

    first, second, third = app.events("message")
    assert "thread_ts" not in first
    assert (second["thread_ts"], second["ts"], second["parent_user_id"]) == (parent, reply.ts, team.alice)
    assert "subtype" not in second
    assert third["subtype"] == "thread_broadcast" and third["root"]["ts"] == parent


def test_a_mention_of_klaxon_is_also_an_app_mention(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    posted = workspace.post(team.alerts, "<@U0KLAXON> db is down", user="alice")

    message, mention = (r.payload for r in app.received)
    assert [d.event_type for d in posted.deliveries] == ["message", "app_mention"]
    assert message["event_id"] != mention["event_id"]
    assert mention["event"]["type"] == "app_mention"
    assert (mention["event"]["user"], mention["event"]["ts"], mention["event"]["channel"]) == (
        team.alice, posted.ts, team.alerts)


def test_a_dm_to_klaxon_is_an_im_message_without_app_mention(
    app: RecordingApp, workspace: Workspace, team: Team
) -> None:
    posted = workspace.post("alice", "<@U0KLAXON> help", user="alice")

    [event] = app.events()
    assert posted.channel.startswith("D")
    assert (event["type"], event["channel_type"], event["channel"]) == ("message", "im", posted.channel)


def test_private_channel_messages_are_group_messages(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    private = workspace.add_channel("sec-incidents", is_private=True, members=[team.alice])["id"]

    workspace.post(private, "breach?", user="alice")

    [event] = app.events()
    assert private.startswith("G") and (event["channel"], event["channel_type"]) == (private, "group")


def test_edits_and_deletes(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    ts = workspace.post(team.alerts, "db-1 down", user="alice").ts

    workspace.edit(team.alerts, ts, "db-1 and db-2 down")
    workspace.delete(team.alerts, ts)

    _, changed, deleted = app.events("message")
    assert changed["subtype"] == "message_changed" and changed["hidden"]
    assert (changed["message"]["text"], changed["previous_message"]["text"]) == ("db-1 and db-2 down", "db-1 down")
    assert changed["message"]["ts"] == ts and changed["message"]["edited"]["user"] == team.alice
    assert changed["ts"] != ts
    assert deleted["subtype"] == "message_deleted"
    assert (deleted["deleted_ts"], deleted["previous_message"]["text"]) == (ts, "db-1 and db-2 down")
    assert workspace.messages(team.alerts) == []


def test_a_link_preview_changes_the_message_without_marking_it_edited(app: RecordingApp, workspace: Workspace,
                                                                      team: Team) -> None:
    ts = workspace.post(team.alerts, "runbook: <https://wiki.example.com/db>", user="alice").ts
    preview = {"from_url": "https://wiki.example.com/db", "service_name": "Wiki", "title": "DB runbook"}

    workspace.unfurl(team.alerts, ts, [preview])

    _, changed = app.events("message")
    assert changed["subtype"] == "message_changed" and "edited" not in changed["message"]
    assert changed["message"]["attachments"] == [{**preview, "id": 1}] and "attachments" not in changed[
        "previous_message"]


def test_reactions_added_and_removed(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    ts = workspace.post(team.alerts, "disk full", user="alice").ts

    workspace.react("bob", team.alerts, ts, "white_check_mark")
    workspace.unreact("bob", team.alerts, ts, "white_check_mark")

    added, removed = app.events("reaction_added") + app.events("reaction_removed")
    assert {k: added[k] for k in ("user", "reaction", "item", "item_user")} == {
        "user": team.bob, "reaction": "white_check_mark", "item_user": team.alice,
        "item": {"type": "message", "channel": team.alerts, "ts": ts}}
    assert float(added["event_ts"]) > float(ts)
    assert removed["reaction"] == "white_check_mark"


def test_pins_by_people(app: RecordingApp, workspace: Workspace, team: Team) -> None:
    ts = workspace.post(team.alerts, "root cause: full disk", user="alice").ts

    workspace.pin("bob", team.alerts, ts)

    [pinned] = app.events("pin_added")
    assert (pinned["user"], pinned["channel_id"], pinned["item"]["message"]["ts"]) == (team.bob, team.alerts, ts)


def test_klaxons_own_posts_come_back_as_events(app: RecordingApp, slack: WebClient, workspace: Workspace,
                                               team: Team) -> None:
    # When the app posts, edits and reacts
    ts = slack.chat_postMessage(channel=team.alerts, text="[Error] disk full")["ts"]
    slack.chat_update(channel=team.alerts, ts=ts, text="[Error] disk full (x2)")
    slack.reactions_add(channel=team.alerts, timestamp=ts, name="eyes")
    workspace.wait_idle()

    # Then it hears about each, in order, marked as its own
    posted, changed, reacted = app.events()
    assert (posted["user"], posted["bot_id"], posted["app_id"], posted["ts"]) == (
        "U0KLAXON", "B0KLAXON", "A0KLAXON", ts)
    assert changed["subtype"] == "message_changed" and changed["message"]["text"] == "[Error] disk full (x2)"
    assert (reacted["type"], reacted["user"]) == ("reaction_added", "U0KLAXON")
    assert all(r.signature_valid for r in app.received)


def test_the_apps_own_event_waits_until_its_web_api_call_is_answered(
    app: RecordingApp, slack: WebClient, workspace: Workspace, team: Team
) -> None:
    # Given an app that answers a message by posting, while still handling the event (like Bolt in Lambda)
    story: list[str] = []

    def reply_while_handling(request: Received) -> tuple[int, str, str]:
        event = request.payload["event"]
        if event.get("user") == team.alice:
            story.append("alice's event")
            slack.chat_postMessage(channel=team.alerts, text="ack?", thread_ts=event["ts"])
            story.append("post answered")
        else:
            story.append("klaxon's own event")
        return 200, "text/plain", ""

    app.responder = reply_while_handling

    # When alice posts
    workspace.post(team.alerts, "db down", user="alice")
    workspace.wait_idle()

    # Then the app's own event came only after its call was answered (and it did not deadlock)
    assert story == ["alice's event", "post answered", "klaxon's own event"]


def test_the_apps_own_event_is_held_while_its_call_is_unanswered(
    app: RecordingApp, emulator: SlackEmulator, workspace: Workspace, team: Team
) -> None:
    # Given a chat.postMessage the emulator has handled but not yet answered over HTTP
    answer = emulator.web_api.call("chat.postMessage", {"channel": team.alerts, "text": "hi"}, "xoxb-klaxon-emulator")
    time.sleep(0.1)

    # Then nothing reached the app yet; once answered, the event follows
    assert answer.body["ok"] and app.received == []
    answer.answered.set()
    workspace.wait_idle()
    assert [e["ts"] for e in app.events()] == [answer.body["ts"]]


def test_delivery_failures_are_recorded_not_raised(app: RecordingApp, emulator: SlackEmulator, workspace: Workspace,
                                                   team: Team) -> None:
    # Given an app that errors, then one that is too slow, then one that is gone
    app.answer_with(status=500, body="boom")
    failing = workspace.post(team.alerts, "one", user="alice").delivery

    def slow(request: Received) -> tuple[int, str, str]:
        time.sleep(0.3)
        return 200, "text/plain", ""

    app.responder = slow
    workspace.configure(delivery_timeout=0.1)
    timed_out = workspace.post(team.alerts, "two", user="alice").delivery
    workspace.configure(app_url="http://127.0.0.1:9/slack/events", delivery_timeout=2.0)
    refused = workspace.post(team.alerts, "three", user="alice").delivery

    assert (failing.status, failing.failure, failing.ok) == (500, "http_error", False)
    assert (timed_out.failure, refused.failure) == ("http_timeout", "connection_failed")
    assert [d.failure for d in workspace.deliveries()] == ["http_error", "http_timeout", "connection_failed"]
    assert len(workspace.messages(team.alerts)) == 3


def test_wait_idle_returns_once_queued_deliveries_are_answered(app: RecordingApp, slack: WebClient,
                                                              workspace: Workspace, team: Team) -> None:
    release = threading.Event()
    app.responder = lambda request: (release.wait(5), (200, "text/plain", ""))[1]
    slack.chat_postMessage(channel=team.alerts, text="queued")

    waiter = threading.Thread(target=workspace.wait_idle)
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # still waiting for the app
    release.set()
    waiter.join(5)
    assert not waiter.is_alive() and len(app.received) == 1
