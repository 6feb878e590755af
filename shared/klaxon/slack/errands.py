"""Work someone asked for - a command, a button, a mention - done once per delivery, and whatever stops it
told to that person once, in words they can act on.

A failure only people can fix (a missing scope, a channel Klaxon is not in) is told and the work ends
there: retrying would fail the same way. A failure that may pass (Slack or DynamoDB busy, a bug) is told
too, then raised, so Lambda retries it and dead-letters what keeps failing; its retries do not tell the
person again (a claim per delivery). Commands are all or nothing by construction (every lookup happens
before the one conditional commit), so "nothing was changed" is true when a command is told it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger
from slack_bolt import Respond
from slack_sdk import WebClient

from klaxon.bootstrap import Runtime
from klaxon.slack.app import delivery_id, lazy_work
from klaxon.slack.intake import Unusable
from klaxon.slack.trouble import explain

logger = Logger(child=True)

Tell = Callable[[str], None]


@contextmanager
def errand(rt: Runtime, body: Mapping[str, Any], what: str, tell: Tell, *,
           nothing_changed: bool = False) -> Iterator[bool]:
    """Around the lazy work of a request someone made: yields whether to do it (False for a repeat delivery).

    `what` names the request for the person ("`/klaxon policy set`"); `tell` reaches them.
    """
    with lazy_work(rt, body) as first:
        try:
            yield first
        except Unusable:
            raise
        except Exception as error:
            reference = delivery_id(body)
            trouble = explain(error, reference)
            _tell_once(rt, reference, tell, trouble.told(what, nothing_changed=nothing_changed))
            if trouble.retry:
                raise
            logger.error("work stopped; the person who asked was told why", extra={
                "what": what, "why": trouble.why, "error": repr(error)})


def _tell_once(rt: Runtime, reference: str | None, tell: Tell, text: str) -> None:
    """Tell, unless an earlier attempt at the same delivery did (Lambda's retries run the work again)."""
    told = f"told:{reference}"
    try:
        if reference and not rt.store.claims.claim(told, rt.clock.now()):
            return
        tell(text)
    except Exception:  # telling must never hide the failure being told about
        logger.exception("could not tell the person who asked", extra={"text": text})
        return
    if reference:
        rt.store.claims.complete(told, rt.clock.now())


def by_response_url(respond: Respond, client: WebClient, user: str) -> Tell:
    """Tell through the request's response_url (only they see it), else in a direct message."""

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
    """Tell in the thread the person started (everyone there should know), else in a direct message."""

    def tell(text: str) -> None:
        try:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=f"<@{user}> {text}",
                                    unfurl_links=False)
        except Exception:
            logger.exception("could not answer in the thread", extra={"channel": channel})
            direct_message(client, user, text)

    return tell


def direct_message(client: WebClient, user: str, text: str) -> None:
    """A direct message from Klaxon to `user` (conversations.open, then chat.postMessage)."""
    channel = client.conversations_open(users=user)["channel"]["id"]
    client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
