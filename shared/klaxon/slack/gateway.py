"""Slack's Web API through slack_sdk's WebClient, in the words the domain uses (klaxon.ports.SlackGateway)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert
from klaxon.monitoring.hosts import Board
from klaxon.paging.policies import NoPage, Notification, Page
from klaxon.ports import MessageUnavailable, SlackBusy
from klaxon.slack.client import error_code, joining, permalink, retry_after
from klaxon.slack.renderers import paging as paging_notes
from klaxon.slack.renderers.alerts import alert_blocks, alert_fallback
from klaxon.slack.renderers.digests import digest_blocks, digest_fallback, reminder_blocks, reminder_text
from klaxon.slack.renderers.hosts import board_blocks, board_fallback
from klaxon.slack.renderers.paging import page_blocks, page_fallback, page_outcome

logger = Logger(child=True)


class WebSlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_alert(self, alert: Alert) -> str:
        response = self._in_channel(alert.target_channel, lambda: self.client.chat_postMessage(
            channel=alert.target_channel, text=alert_fallback(alert), blocks=alert_blocks(alert),
            unfurl_links=False, unfurl_media=False))
        return str(response["ts"])

    def update_alert(self, alert: Alert) -> None:
        assert alert.post_ts, "only a posted alert can be updated"
        self.client.chat_update(channel=alert.target_channel, ts=alert.post_ts, text=alert_fallback(alert),
                                blocks=alert_blocks(alert))

    def permalink(self, channel: str, ts: str) -> str | None:
        return permalink(self.client, channel, ts)

    def mark_handled(self, channel: str, ts: str, reaction: str) -> None:
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=reaction)
        except SlackApiError as error:
            if error_code(error) != "already_reacted":
                raise

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        try:
            message = self.client.reactions_get(channel=channel, timestamp=ts, full=True)["message"]
        except SlackApiError as error:
            if error_code(error) == "ratelimited":
                raise SlackBusy("reactions.get", retry_after(error.response)) from error
            if error_code(error) in ("message_not_found", "channel_not_found"):
                return {}  # deleted: nothing to repair from
            raise
        return {reaction["name"]: list(reaction.get("users", [])) for reaction in message.get("reactions", [])}

    def read_message(self, channel: str, ts: str, thread_ts: str | None = None) -> dict[str, Any] | None:
        """One message by the parts of its link (klaxon.ports.MessageReader).

        conversations.history with oldest = latest = ts, inclusive, limit 1 gives exactly that message; a
        thread reply is only in conversations.replies of its thread, which lists the parent first.
        """
        try:
            if thread_ts:
                response = self.client.conversations_replies(channel=channel, ts=thread_ts, oldest=ts, latest=ts,
                                                             inclusive=True, limit=2)
            else:
                response = self.client.conversations_history(channel=channel, oldest=ts, latest=ts, inclusive=True,
                                                             limit=1)
        except SlackApiError as error:
            if error_code(error) in ("message_not_found", "thread_not_found"):
                return None
            wait = retry_after(error.response) if error_code(error) == "ratelimited" else None
            raise MessageUnavailable(error_code(error) or "unknown_error", wait) from error
        return next((dict(message) for message in response.get("messages") or () if message.get("ts") == ts), None)

    def post_digest(self, digest: Digest) -> str:
        response = self._in_channel(digest.channel, lambda: self.client.chat_postMessage(
            channel=digest.channel, text=digest_fallback(digest), blocks=digest_blocks(digest)))
        return str(response["ts"])

    def update_digest(self, digest: Digest, ts: str) -> None:
        self.client.chat_update(channel=digest.channel, ts=ts, text=digest_fallback(digest),
                                blocks=digest_blocks(digest))

    def post_board(self, channel: str, board: Board) -> str:
        response = self._in_channel(channel, lambda: self.client.chat_postMessage(
            channel=channel, text=board_fallback(board), blocks=board_blocks(board)))
        return str(response["ts"])

    def update_board(self, channel: str, ts: str, board: Board) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=board_fallback(board), blocks=board_blocks(board))

    def post_reminder(self, channel: str, overdue: Sequence[Alert]) -> str:
        response = self._in_channel(channel, lambda: self.client.chat_postMessage(
            channel=channel, text=reminder_text(overdue), blocks=reminder_blocks(overdue)))
        return str(response["ts"])

    def tell_paging(self, page: Page, step: int, people: Sequence[str]) -> None:
        self._note(page.channel, page.ts, paging_notes.paging_note(page, step, people))

    def tell_page_acknowledged(self, page: Page) -> None:
        self._note(page.channel, page.ts, paging_notes.acknowledged_note(page))

    def tell_page_dropped(self, page: Page) -> None:
        self._note(page.channel, page.ts, paging_notes.dropped_note(page))

    def tell_no_page(self, channel: str, ts: str, why: NoPage) -> None:
        self._note(channel, ts, paging_notes.no_page_note(channel, why))

    def tell_policy_missing(self, alert: Alert) -> None:
        assert alert.post_ts, "an alert that timed out was posted"
        self._note(alert.target_channel, alert.post_ts, paging_notes.policy_missing_note(alert))

    def tell_page_silenced(self, alert: Alert, silence_id: str) -> None:
        assert alert.post_ts, "an alert that timed out was posted"
        self._note(alert.target_channel, alert.post_ts, paging_notes.page_silenced_note(alert, silence_id))

    def answer_direct_message(self, channel: str, reply: str | None) -> None:
        self.client.chat_postMessage(channel=channel, text=paging_notes.direct_message_reply(reply),
                                     unfurl_links=False)

    def _note(self, channel: str, ts: str, text: str) -> None:
        """Reply in the thread of the message at (channel, ts)."""
        self._in_channel(channel, lambda: self.client.chat_postMessage(
            channel=channel, thread_ts=ts, text=text, unfurl_links=False))

    def page_person(self, user: str, page: Page, step: int) -> tuple[str, str]:
        channel = self.client.conversations_open(users=user)["channel"]["id"]
        response = self.client.chat_postMessage(channel=channel, text=page_fallback(page),
                                                blocks=page_blocks(page, step))
        return str(channel), str(response["ts"])

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        try:
            self.client.chat_update(channel=notification.channel, ts=notification.ts, text=page_outcome(page),
                                    blocks=page_blocks(page, notification.step))
        except SlackApiError as error:  # a direct message someone deleted: nothing to update
            logger.warning("page message not updated", extra={"page": page.id, "error": error_code(error)})

    def _in_channel(self, channel: str, call: Any) -> Any:
        return joining(self.client, channel, call)
