"""Slack's Web API for declared incidents (klaxon.incidents.ports.IncidentSlack), through slack_sdk's
WebClient (its retries wait out 429s and 5xx first: klaxon.slack.client).

Calls made for someone turn Slack's refusal into SlackRefused with Slack's error code, so that person is
told why (klaxon.incidents.outcomes.Setback). The methods and their errors are Slack's own reference's:
conversations.create (name_taken also for archived channels, restricted_action, invalid_name_*),
conversations.invite (per-user `errors`), conversations.setTopic, conversations.rename, bookmarks.add
(docs.slack.dev/reference/methods/bookmarks.add), chat.postEphemeral (user_not_in_channel), and a file's
upload through slack_sdk's files_upload_v2 (files.getUploadURLExternal, the upload itself,
files.completeUploadExternal: docs.slack.dev/messaging/working-with-files#upload).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.alerts.gathering import gathered_text
from klaxon.incidents.events import IncidentChanged
from klaxon.incidents.model import Incident
from klaxon.incidents.outcomes import Done, Outcome, PostmortemShared, Refused, Setback
from klaxon.incidents.ports import SlackRefused
from klaxon.incidents.reminders import Reminder
from klaxon.slack.client import error_code, joining, permalink, to_person
from klaxon.slack.renderers import incidents as words
from klaxon.slack.telling import privately

logger = Logger(child=True)

# An invitation Slack refuses for these changed nothing anyone needs to hear about.
_ALREADY_THERE = {"already_in_channel", "cant_invite_self"}
# The headline post is gone (someone deleted it, or its channel): redrawing it has nothing to redraw.
_GONE = {"message_not_found", "cant_update_message", "channel_not_found", "is_archived"}
DOC_BOOKMARK = "Incident doc"
CONFIRMED = "white_check_mark"  # the reaction a command that changed something gets


class WebIncidentSlack:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_headline(self, incident: Incident, channel: str, doc: str | None) -> str:
        response = _refused_as_setback(lambda: joining(self.client, channel, lambda: self.client.chat_postMessage(
            channel=channel, text=words.headline_fallback(incident), unfurl_links=False,
            blocks=words.headline_blocks(incident, doc, incident.declared_at))), channel)
        return str(response["ts"])

    def update_headline(self, incident: Incident, doc: str | None, now: datetime) -> None:
        assert incident.headline, "only a posted headline is redrawn"
        channel, ts = incident.headline
        try:
            self.client.chat_update(channel=channel, ts=ts, text=words.headline_fallback(incident),
                                    blocks=words.headline_blocks(incident, doc, now))
        except SlackApiError as error:
            if error_code(error) not in _GONE:
                raise
            logger.warning("headline post gone, not redrawn", extra={"incident": incident.id,
                                                                     "error": error_code(error)})

    def create_channel(self, name: str, private: bool) -> str:
        response = _refused_as_setback(lambda: self.client.conversations_create(name=name, is_private=private), name)
        return str(response["channel"]["id"])

    def invite(self, channel: str, users: Sequence[str]) -> list[SlackRefused]:
        # One by one: Slack refuses the whole call when one of several people cannot be invited.
        refused = []
        for user in users:
            try:
                self.client.conversations_invite(channel=channel, users=user)
            except SlackApiError as error:
                if error_code(error) not in _ALREADY_THERE:
                    refused.append(SlackRefused(error_code(error) or "unknown_error", user))
        return refused

    def set_topic(self, channel: str, incident: Incident) -> None:
        _refused_as_setback(lambda: self.client.conversations_setTopic(channel=channel,
                                                                        topic=words.topic(incident)), channel)

    def bookmark_doc(self, channel: str, doc: str) -> None:
        _refused_as_setback(lambda: self.client.bookmarks_add(channel_id=channel, title=DOC_BOOKMARK, type="link",
                                                                link=doc), channel)

    def rename_channel(self, channel: str, name: str) -> None:
        _refused_as_setback(lambda: self.client.conversations_rename(channel=channel, name=name), name)

    def welcome(self, incident: Incident, doc: str | None) -> str:
        assert incident.comms_channel, "a comms channel to welcome people to"
        channel = incident.comms_channel
        response = _refused_as_setback(lambda: self.client.chat_postMessage(
            channel=channel, text=words.welcome_text(incident, doc), unfurl_links=False), channel)
        return str(response["ts"])

    def announce(self, change: IncidentChanged) -> None:
        if change.after.comms_channel:
            self.client.chat_postMessage(channel=change.after.comms_channel, text=words.announcement(change),
                                         unfurl_links=False)

    def tell(self, person: str, channel: str | None, setbacks: Sequence[Setback]) -> None:
        privately(self.client, person, channel)(words.setbacks_text(setbacks))

    def remind(self, incident: Incident, reminder: Reminder, now: datetime) -> None:
        text = words.reminder_text(incident, reminder, now)
        if incident.comms_channel:
            self.client.chat_postMessage(channel=incident.comms_channel, text=text)
        elif incident.headline:
            channel, ts = incident.headline
            self.client.chat_postMessage(channel=channel, thread_ts=ts, text=text)

    def ask_for_postmortem(self, incident: Incident, person: str, doc: str | None) -> None:
        to_person(person, lambda: self.client.chat_postMessage(
            channel=person, text=words.postmortem_request(incident, doc), unfurl_links=False))

    def share_postmortem(self, incident: Incident, channel: str, markdown: str, by: str) -> None:
        _refused_as_setback(lambda: self.client.files_upload_v2(
            channel=channel, content=markdown.encode("utf-8"), filename=words.postmortem_filename(incident),
            title=words.postmortem_title(incident), initial_comment=words.postmortem_comment(incident, by)), channel)

    def message_text(self, channel: str, ts: str) -> str | None:
        try:
            message = self.client.reactions_get(channel=channel, timestamp=ts, full=True)["message"]
        except SlackApiError as error:
            if error_code(error) in ("message_not_found", "channel_not_found"):
                return None
            raise
        return gathered_text(message)  # what it shows: a bot's alert is in its attachments or blocks

    def reply_keyword(self, channel: str, ts: str, reply: str) -> None:
        self.client.chat_postMessage(channel=channel, thread_ts=ts, text=reply)

    def permalink(self, channel: str, ts: str) -> str | None:
        return permalink(self.client, channel, ts)


def _refused_as_setback(call: Callable[[], Any], subject: str) -> Any:
    """Make a call someone asked for; Slack's refusal as SlackRefused naming `subject`."""
    try:
        return call()
    except SlackApiError as error:
        raise SlackRefused(error_code(error) or f"http_{error.response.status_code}", subject) from error


def answer_mention(client: WebClient, mention: dict[str, Any], outcome: Outcome, now: datetime) -> None:
    """Feedback on `@klaxon <command>` as Response gave it: ✅ on the command when it changed something, an
    answer in its thread when it asked something, and a refusal only its author sees."""
    channel, ts = mention["channel"], mention["ts"]
    if isinstance(outcome, Done | PostmortemShared):  # the change, or the file, is there for all to see
        try:
            client.reactions_add(channel=channel, timestamp=ts, name=CONFIRMED)
        except SlackApiError as error:
            if error_code(error) != "already_reacted":
                raise
    elif isinstance(outcome, Refused):
        privately(client, mention.get("user", ""), channel)(words.answer(outcome, now))
    else:
        client.chat_postMessage(channel=channel, thread_ts=mention.get("thread_ts") or ts,
                                text=words.answer(outcome, now), unfurl_links=False)
