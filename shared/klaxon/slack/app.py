"""The Bolt app behind POST /slack/events, built once per container (klaxon.bootstrap builds it).

Every listener acks at once (Slack wants an answer within 3 s) and leaves the work to a lazy listener,
which Bolt runs in an asynchronous re-invocation of this same function (klaxon.slack.lazy).
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


def unreadable(event: dict[str, Any]) -> str | None:
    """Why a request body cannot be a Slack payload (Slack sends JSON, or a form whose payload is JSON)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", errors="replace")
    if not body.strip():
        return None
    content_type = str((event.get("headers") or {}).get("content-type", ""))
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body)
        elif "payload=" in body:
            data = json.loads(parse_qs(body).get("payload", ["{}"])[0])
        else:
            return None  # a plain form: a slash command
    except ValueError:
        return "the body is not valid JSON"
    if not isinstance(data, dict) or not isinstance(data.get("event", {}), dict):
        return "the payload is not a JSON object of Slack's shape"
    return None


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
        logger=logging.getLogger("klaxon.bolt"),
    )
    register(app, services)
    return app
