"""Slack message events become domain messages: text, attachments and blocks gathered, edits judged once."""

from __future__ import annotations

from klaxon.slack.inbound import channel_message, gathered_text, quiet_broadcasts
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


def test_monitoring_attachments_and_fields_are_matched_without_repeating_the_fallback():
    text = gathered_text({
        "text": "",
        "attachments": [{"fallback": "[ALARM] disk full", "title": "[ALARM] disk full", "text": "on db-1",
                         "pretext": "Datadog", "fields": [{"title": "Host", "value": "db-1"}]}],
    })
    assert text.splitlines() == ["Datadog", "[ALARM] disk full", "on db-1", "Host: db-1"]


def test_block_text_is_matched_too_and_rich_text_equal_to_the_text_is_not_repeated():
    text = gathered_text({"text": "disk full on db-1", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "Incident"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*sev* 2"},
         "fields": [{"type": "mrkdwn", "text": "region eu"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "via grafana"}, {"type": "image"}]},
        {"type": "rich_text", "elements": [{"type": "rich_text_section",
                                            "elements": [{"type": "text", "text": "disk full on db-1"}]}]},
    ]})
    assert text.splitlines() == ["disk full on db-1", "Incident", "*sev* 2", "region eu", "via grafana"]


def test_the_field_complete_sample_parses_and_placeholder_ids_are_not_judged():
    event = fixture("slack/samples/MessagePayload.json")["event"]
    assert channel_message(event) is None  # its channel and ts are empty placeholders
    message = channel_message({**event, "channel": "C1", "ts": "1700000000.000100", "user": "U1"})
    assert message is not None and message.channel == "C1"


def test_reposted_text_never_pings_a_room():
    assert quiet_broadcasts("<!here> disk full <!channel> <@U1>") == "@here disk full @channel <@U1>"
