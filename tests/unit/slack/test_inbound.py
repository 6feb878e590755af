"""Slack message events become domain messages: said when and by whom, edits judged once, unfurls never."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from klaxon.slack.inbound import channel_message
from tests.payloads import fixture, slack_event


def test_a_user_message_keeps_channel_ts_poster_and_text():
    message = channel_message(slack_event("event_message_channels_user"))
    assert message is not None
    event = slack_event("event_message_channels_user")
    assert (message.channel, message.ts, message.poster) == (event["channel"], event["ts"], event["user"])
    assert message.text == event["text"]


def test_a_legacy_bot_message_is_posted_by_its_bot_id_under_its_username():
    message = channel_message(slack_event("event_message_subtype_bot_message"))
    assert message is not None
    assert (message.poster, message.bot_id, message.poster_name) == ("B888", "B888", "classic-bot")


def test_an_app_bot_message_is_posted_by_its_user_with_the_bots_name():
    message = channel_message(slack_event("event_message_from_bot_no_subtype"))
    assert message is not None
    assert (message.poster, message.bot_id, message.poster_name) == ("UB111", "B999", "other-app")


def test_a_thread_reply_knows_its_thread():
    message = channel_message(slack_event("event_message_thread_reply_im"))
    assert message is not None and message.is_thread_reply


def test_a_deleted_message_is_not_judged():
    assert channel_message(slack_event("event_message_subtype_message_deleted")) is None


def test_an_edit_is_judged_on_its_new_text_and_marked_edited():
    message = channel_message(slack_event("event_message_subtype_message_changed"))
    assert message is not None
    assert message.text == "updated message" and message.edited and message.poster == "U111"
    assert message.ts == "1665102338.901939"  # the edited message's own ts, from previous_message


def test_an_edit_that_did_not_change_the_text_is_not_judged_again():
    event = slack_event("event_message_subtype_message_changed")
    event["message"]["text"] = event["previous_message"]["text"] = "same"
    event["message"]["blocks"] = event["previous_message"]["blocks"] = []
    assert channel_message(event) is None


def test_channel_joins_and_other_notices_are_not_judged():
    assert channel_message({"type": "message", "subtype": "channel_join", "channel": "C1", "ts": "1.2",
                            "user": "U1", "text": "<@U1> has joined"}) is None


def test_the_field_complete_sample_parses_and_placeholder_ids_are_not_judged():
    event = fixture("slack/samples/MessagePayload.json")["event"]
    assert channel_message(event) is None  # its channel and ts are empty placeholders
    message = channel_message({**event, "channel": "C1", "ts": "1700000000.000100", "user": "U1"})
    assert message is not None and message.channel == "C1"


def test_a_message_is_said_at_its_ts():
    message = channel_message({"type": "message", "channel": "C1", "ts": "1795547100.000200", "user": "U1",
                               "text": "disk full"})
    assert message is not None and message.said_at == datetime(2026, 11, 24, 19, 5, 0, 200, tzinfo=UTC)


def test_an_edit_is_said_when_it_was_edited():
    event = slack_event("event_message_subtype_message_changed")
    event["message"]["edited"] = {"user": "U111", "ts": "1795547100.000000"}
    message = channel_message(event)
    assert message is not None and message.said_at == datetime(2026, 11, 24, 19, 5, tzinfo=UTC)


def test_a_persons_name_comes_from_the_profile_slack_attaches():
    profile = {**fixture("slack/samples/AppMentionPayload.json")["event"]["user_profile"],
               "real_name": "Carol Danvers", "display_name": "carol"}
    message = channel_message({"type": "message", "channel": "C1", "ts": "1795547100.000200", "user": "U3",
                               "text": "db down?", "user_profile": profile})
    assert message is not None and message.poster_name == "carol"


RUNBOOK = "runbook for yesterday: <https://wiki.example.com/db-runbook>"
PREVIEW = {"from_url": "https://wiki.example.com/db-runbook", "service_name": "Wiki",
           "title": "Runbook: disk full on database hosts", "text": "What to do when a disk is full", "id": 1}


def changed(new: dict, old: dict) -> dict:
    """A message_changed event as Slack sends it (docs.slack.dev/reference/events/message/message_changed)."""
    return {"type": "message", "subtype": "message_changed", "hidden": True, "channel": "C1",
            "ts": "1795547200.000100", "event_ts": "1795547200.000100", "message": new, "previous_message": old}


def said(text: str, **more: object) -> dict:
    return {"type": "message", "user": "U1", "text": text, "ts": "1795547100.000200", **more}


@pytest.mark.parametrize("old_attachments", [None, [{"title": "earlier context", "text": "kept"}]])
def test_a_link_preview_slack_adds_is_not_an_edit(old_attachments):
    before = said(RUNBOOK, **({"attachments": old_attachments} if old_attachments else {}))
    after = said(RUNBOOK, attachments=[*(old_attachments or []), PREVIEW])  # no `edited`: Slack did it
    assert channel_message(changed(after, before)) is None


@pytest.mark.parametrize("unfurl", [
    {"original_url": "https://youtu.be/x", "title": "disk full", "id": 2},
    {"is_app_unfurl": True, "app_unfurl_url": "https://grafana/d/1", "title": "Disk panel: 98% full"},
    {"is_msg_unfurl": True, "text": "disk full on db-1", "from_url": "https://x.slack.com/archives/C2/p1"},
])
def test_media_app_and_message_unfurls_are_not_edits_either(unfurl):
    assert channel_message(changed(said(RUNBOOK, attachments=[unfurl]), said(RUNBOOK))) is None


def test_a_real_edit_with_a_preview_is_judged_once_on_the_new_text():
    after = said("disk full on db-1, " + RUNBOOK, attachments=[PREVIEW],
                 edited={"user": "U1", "ts": "1795547200.000000"})
    message = channel_message(changed(after, said(RUNBOOK)))
    assert message is not None and message.edited
    assert message.text == "disk full on db-1, " + RUNBOOK  # the preview is not part of it


@pytest.mark.parametrize("event", [
    None, [], "message", {"type": "message", "subtype": "message_changed", "message": "x"},
    {"type": "message", "subtype": "message_changed", "channel": "C1", "message": {"text": "x", "user": "U1"}},
    {"type": "message", "channel": ["C1"], "ts": "1.2", "user": "U1", "text": "x"},
    {"type": "message", "channel": "C1", "ts": None, "user": "U1", "text": "x"},
    {"type": "message", "channel": "C1", "ts": "1.2", "user": {"id": "U1"}, "text": "x"},
    {"type": "message", "subtype": ["bot_message"], "channel": "C1", "ts": "1.2", "bot_id": "B1"},
])
def test_an_event_that_cannot_be_a_message_someone_said_is_none(event):
    assert channel_message(event) is None


def test_a_ts_that_is_not_a_time_leaves_the_moment_to_the_handler():
    message = channel_message({"type": "message", "channel": "C1", "ts": "not-a-ts", "user": "U1", "text": "x"})
    assert message is not None and message.said_at is None
