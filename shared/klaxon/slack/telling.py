"""Ways Klaxon reaches the one person a message is for: where they asked, else in a direct message.

Each way is a `Tell` (a function of the text): klaxon.slack.errands tells the person who asked through one
when their request cannot be finished, and incident work tells its setbacks through `privately`.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger
from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.slack.client import error_code

logger = Logger(child=True)

type Tell = Callable[[str], None]


def by_response_url(respond: Respond, client: WebClient, user: str) -> Tell:
    """Through the request's response_url (only they see it: a command, a click, a shortcut), else in a
    direct message."""

    def tell(text: str) -> None:
        try:
            answer = respond(text=text, response_type="ephemeral", replace_original=False)
            if answer.status_code == 200:
                return
            logger.warning("response_url refused the answer", extra={"status": answer.status_code})
        except Exception:  # an expired or unreachable response_url: the direct message still reaches them
            logger.exception("response_url failed")
        direct_message(client, user, text)

    return tell


def in_thread(client: WebClient, channel: str, thread_ts: str, user: str) -> Tell:
    """In the thread the person started (everyone there should know), else in a direct message."""

    def tell(text: str) -> None:
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=f"<@{user}> {text}",
                                    unfurl_links=False)
        except Exception:
            logger.exception("could not answer in the thread", extra={"channel": channel})
            direct_message(client, user, text)

    return tell


def privately(client: WebClient, user: str, channel: str | None) -> Tell:
    """Something only `user` sees: in `channel` (where they asked, or the incident's), else in a direct message."""

    def tell(text: str) -> None:
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
                return
            except SlackApiError as error:  # not there, or Klaxon is not: a direct message reaches them anyway
                logger.info("told in a direct message instead", extra={"channel": channel, "error": error_code(error)})
        direct_message(client, user, text)

    return tell


def direct_message(client: WebClient, user: str, text: str) -> None:
    """A direct message from Klaxon to `user` (chat.postMessage to a user's id posts in their conversation with
    the app)."""
    client.chat_postMessage(channel=user, text=text, unfurl_links=False)
