"""The Bolt app behind POST /slack/events, built once per container (klaxon.bootstrap builds it).

Every listener acks at once (Slack wants an answer within 3 s) and leaves the work to a lazy listener,
which runs in an asynchronous re-invocation of this same function (klaxon.slack.lazy). Slack's signature is
checked at the door (klaxon.slack.door) before Bolt reads anything, so Bolt's own check is off: it would
refuse Klaxon's own lazy work once the request is five minutes old.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from klaxon.slack.lazy import OwnEventsIgnored, SelfInvocation

if TYPE_CHECKING:
    from klaxon.services import Services


def build_app(*, client: WebClient, signing_secret: str, authorize: Callable[[BoltContext], AuthorizeResult],
              services: Callable[[], Services]) -> App:
    """A Bolt App with Klaxon's listeners, which get `services()` for each delivery; no network calls until
    the first request."""
    from klaxon.slack.listeners import register

    app = App(
        name="klaxon",  # without a name Bolt walks the call stack to invent one: 50 ms of every cold start
        client=client,
        signing_secret=signing_secret,
        authorize=authorize,
        process_before_response=True,
        request_verification_enabled=False,  # the door checked Slack's signature already, before any parsing
        ignoring_self_events_enabled=False,  # OwnEventsIgnored does it, noting the drop for the lazy work
        logger=logging.getLogger("klaxon.bolt"),
    )
    app.use(OwnEventsIgnored(base_logger=app.logger))
    register(app, services)
    return app


def request_handler(app: App, invoke: Callable[[str, dict[str, Any]], None],
                    signing_secret: Callable[[], str]) -> SlackRequestHandler:
    """The app behind Bolt's Lambda adapter, its lazy listeners run by Klaxon's SelfInvocation."""
    handler = SlackRequestHandler(app)
    # The adapter installs Bolt's own runner, which trusts no re-invocation older than Slack's five
    # minutes and swallows failures: replace it.
    handler.app.listener_runner.lazy_listener_runner = SelfInvocation(invoke, signing_secret)
    return handler
