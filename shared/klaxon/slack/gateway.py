"""Slack's Web API through slack_sdk's WebClient, in the words the domain uses (klaxon.ports.SlackGateway)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert, AlertListing
from klaxon.monitoring.hosts import Board
from klaxon.paging.policies import LevelReached, NoPage, Notification, Page
from klaxon.ports import ChannelUnreachable, MessageUnavailable, SlackBusy
from klaxon.slack.client import error_code, joining, method_of, permalink, retry_after, to_person
from klaxon.slack.renderers import paging as paging_notes
from klaxon.slack.renderers.alerts import alert_blocks, alert_fallback
from klaxon.slack.renderers.digests import digest_blocks, digest_fallback, reminder_blocks, reminder_text
from klaxon.slack.renderers.hosts import board_blocks, board_fallback
from klaxon.slack.renderers.paging import page_blocks, page_fallback, page_outcome

logger = Logger(child=True)
# What Klaxon's own posts are tagged with, so that a post whose answer was lost can be found again.
ALERT_POST, PAGE_MESSAGE = "klaxon_alert", "klaxon_page"
LOOKS = 3  # tries at finding a post whose answer was lost (each with the client's own retries)
# Slack's answers when Klaxon cannot use a channel at all (chat.postMessage, chat.update): nothing but an
# invitation (or unarchiving) helps.
_CANNOT_USE = {"channel_not_found", "is_archived", "not_in_channel"}


class WebSlackGateway:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post_alert(self, alert: Alert) -> str:
        return str(self._in_channel(alert.target_channel, lambda: self._post_tagged(
            alert.target_channel, ALERT_POST, alert.id, text=alert_fallback(alert), blocks=alert_blocks(alert),
            unfurl_links=False, unfurl_media=False)))

    def recent_alert_posts(self, channel: str) -> dict[str, str]:
        try:
            recent = self._recent(channel)
        except SlackApiError as error:
            if error_code(error) in _CANNOT_USE:
                return {}  # Klaxon cannot read the channel, so it cannot have posted there
            if error_code(error) == "ratelimited":
                raise SlackBusy("conversations.history", retry_after(error.response)) from error
            raise
        return {str(m["metadata"]["event_payload"]["id"]): str(m["ts"]) for m in recent
                if (m.get("metadata") or {}).get("event_type") == ALERT_POST}

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
        _usable(digest.channel, lambda: self.client.chat_update(
            channel=digest.channel, ts=ts, text=digest_fallback(digest), blocks=digest_blocks(digest)))

    def post_board(self, channel: str, board: Board) -> str:
        response = self._in_channel(channel, lambda: self.client.chat_postMessage(
            channel=channel, text=board_fallback(board), blocks=board_blocks(board)))
        return str(response["ts"])

    def update_board(self, channel: str, ts: str, board: Board) -> None:
        _usable(channel, lambda: self.client.chat_update(channel=channel, ts=ts, text=board_fallback(board),
                                                         blocks=board_blocks(board)))

    def post_reminder(self, channel: str, overdue: AlertListing) -> str:
        response = self._in_channel(channel, lambda: self.client.chat_postMessage(
            channel=channel, text=reminder_text(overdue), blocks=reminder_blocks(overdue)))
        return str(response["ts"])

    def tell_paging(self, page: Page, step: int, reached: LevelReached) -> None:
        self._note(page.channel, page.ts, paging_notes.paging_note(page, step, reached))

    def tell_page_acknowledged(self, page: Page) -> None:
        self._note(page.channel, page.ts, paging_notes.acknowledged_note(page))

    def tell_page_dropped(self, page: Page) -> None:
        self._note(page.channel, page.ts, paging_notes.dropped_note(page))

    def tell_no_page(self, channel: str, ts: str, why: NoPage) -> None:
        self._note(channel, ts, paging_notes.no_page_note(channel, why))

    def tell_policy_missing(self, alert: Alert) -> None:
        self._note(*alert.thread or ("", ""), paging_notes.policy_missing_note(alert))

    def tell_page_silenced(self, alert: Alert, silence_id: str) -> None:
        self._note(*alert.thread or ("", ""), paging_notes.page_silenced_note(alert, silence_id))

    def answer_direct_message(self, channel: str, reply: str | None) -> None:
        self.client.chat_postMessage(channel=channel, text=paging_notes.direct_message_reply(reply),
                                     unfurl_links=False)

    def _note(self, channel: str, ts: str, text: str) -> None:
        """Reply in the thread of the message at (channel, ts); nothing when there is no thread (a page of a
        source's alert that waits for a channel Klaxon cannot post in)."""
        if not ts:
            logger.info("no thread to say it in", extra={"channel": channel, "text": text[:200]})
            return
        try:
            self._in_channel(channel, lambda: self.client.chat_postMessage(
                channel=channel, thread_ts=ts, text=text, unfurl_links=False))
        except SlackApiError as error:
            if error_code(error) != "thread_not_found":
                raise
            logger.info("the thread is gone (its message was deleted): nothing to say it in", extra={
                "channel": channel, "ts": ts})

    def open_direct_message(self, user: str) -> str:
        return to_person(user, lambda: str(self.client.conversations_open(users=user)["channel"]["id"]))

    def page_person(self, user: str, channel: str, page: Page, step: int) -> str:
        return to_person(user, lambda: self._post_tagged(channel, PAGE_MESSAGE, f"{page.id}|{step}|{user}",
                                                          text=page_fallback(page), blocks=page_blocks(page, step)))

    def _post_tagged(self, channel: str, kind: str, key: str, **message: Any) -> str:
        """chat.postMessage, tagged with message metadata naming what it is (docs.slack.dev/messaging/message-metadata).

        When the answer is lost - a timeout, a dropped connection: Slack may have posted it all the same -
        the conversation's newest messages are searched for the tag before anyone posts it again; the
        caller's retry would otherwise post it twice.
        """
        metadata = _tag(kind, key)
        try:
            return str(self.client.chat_postMessage(channel=channel, metadata=metadata, **message)["ts"])
        except OSError:
            found = self._find_tagged(channel, metadata)
            if found is None:
                raise
            logger.info("the post went through although its answer was lost", extra={"channel": channel, "key": key})
            return found

    def _find_tagged(self, channel: str, metadata: dict[str, Any]) -> str | None:
        """The ts of the newest message in the conversation carrying `metadata`, if one is among the newest."""
        return next((str(m["ts"]) for m in self._recent(channel) if m.get("metadata") == metadata), None)

    def _recent(self, channel: str) -> list[dict[str, Any]]:
        """The conversation's 15 newest messages with their metadata (as many as conversations.history gives
        apps outside the Marketplace). Tried a few times: a look that cannot be made may mean a post twice."""
        for _ in range(LOOKS - 1):
            with contextlib.suppress(OSError):
                return self._newest(channel)
        return self._newest(channel)

    def _newest(self, channel: str) -> list[dict[str, Any]]:
        answer = self.client.conversations_history(channel=channel, limit=15, include_all_metadata=True)
        return list(answer.get("messages") or ())

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        try:
            self.client.chat_update(channel=notification.channel, ts=notification.ts, text=page_outcome(page),
                                    blocks=page_blocks(page, notification.step))
        except SlackApiError as error:  # a direct message someone deleted: nothing to update
            logger.warning("page message not updated", extra={"page": page.id, "error": error_code(error)})

    def _in_channel[T](self, channel: str, call: Callable[[], T]) -> T:
        """Make a call that needs membership, joining a public channel Klaxon is not in (klaxon.slack.client).

        Raises ChannelUnreachable when Klaxon cannot be there: private and not invited (Slack says
        channel_not_found), archived, or the join refused (a private channel, a missing channels:join).
        """
        try:
            return _usable(channel, lambda: joining(self.client, channel, call))
        except SlackApiError as error:
            if method_of(error) == "conversations.join":
                raise ChannelUnreachable(channel, f"not_in_channel; joining it: {error_code(error)}") from error
            raise


def _usable[T](channel: str, call: Callable[[], T]) -> T:
    """Make a call in a channel; Slack's refusals that only an invitation (or unarchiving) can change as
    ChannelUnreachable."""
    try:
        return call()
    except SlackApiError as error:
        if error_code(error) in _CANNOT_USE and method_of(error) != "conversations.join":
            raise ChannelUnreachable(channel, error_code(error)) from error
        raise


def _tag(kind: str, key: str) -> dict[str, Any]:
    """The message metadata Klaxon tags a post with: what it is, and its id."""
    return {"event_type": kind, "event_payload": {"id": key}}
