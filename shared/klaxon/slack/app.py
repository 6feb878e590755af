"""The Bolt app behind POST /slack/events, built once per container.

Every listener acks at once (Slack wants an answer within 3 s) and leaves the work to a lazy listener,
which Bolt runs in an asynchronous re-invocation of this same function. Bolt swallows a lazy
listener's exception, so failures are collected here and re-raised after dispatch: the asynchronous
invocation then fails, Lambda retries it twice, and the dead-letter queue keeps what still fails.
"""

from __future__ import annotations

import base64
import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from slack_bolt import App

from klaxon.bootstrap import Runtime, runtime

logger = Logger(child=True)

_failures: contextvars.ContextVar[list[BaseException]] = contextvars.ContextVar("lazy_failures")


class LazyWorkFailed(RuntimeError):
    """Work done after the ack failed; raised so Lambda retries the asynchronous invocation."""


def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one API Gateway event (a Slack request, or Bolt's lazy re-invocation of one)."""
    problem = unreadable(event)
    if problem:
        # Bolt would raise parsing it: a 400 here, not a Lambda error (and an alarm) for garbage.
        logger.warning("unreadable request refused", extra={"problem": problem})
        return {"statusCode": 400, "headers": {"content-type": "application/json"},
                "body": json.dumps({"error": problem})}
    failures: list[BaseException] = []
    token = _failures.set(failures)
    try:
        response: dict[str, Any] = runtime().slack_request_handler.handle(event, context)
    finally:
        _failures.reset(token)
    if failures:
        raise LazyWorkFailed(f"lazy listener failed: {failures[0]!r}") from failures[0]
    return response


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


def build_app(rt: Runtime) -> App:
    """A Bolt App with Klaxon's listeners; no network calls until the first request."""
    from klaxon.slack.identity import bot_authorizer
    from klaxon.slack.listeners import register

    app = App(
        name="klaxon",  # without a name Bolt walks the call stack to invent one: 50 ms of every cold start
        client=rt.slack_client,
        signing_secret=rt.credentials.signing_secret,
        authorize=bot_authorizer(rt),
        process_before_response=True,
        logger=logging.getLogger("klaxon.bolt"),
    )
    register(app, rt)
    return app


@contextmanager
def lazy_work(rt: Runtime, body: dict[str, Any]) -> Iterator[bool]:
    """Around a lazy listener's work: once per delivery (yields False for a repeat), failures re-raised."""
    with failures_reported(), once_per_event(rt, body) as first:
        yield first


@contextmanager
def failures_reported() -> Iterator[None]:
    """Around lazy work: remember a failure for handle_request to re-raise, then let Bolt log it."""
    try:
        yield
    except Exception as error:
        holder = _failures.get(None)
        if holder is not None:
            holder.append(error)
        raise


@contextmanager
def once_per_event(rt: Runtime, body: dict[str, Any]) -> Iterator[bool]:
    """Yield True if this delivery's work should run now, False if it ran or is running elsewhere.

    Slack retries a delivery (same event_id) when it thinks it failed; the claim makes the work
    happen once. A failure releases the claim so Lambda's retry can do the work.
    """
    # Events carry an event_id; commands and clicks a trigger_id, unique per use (Lambda may retry those).
    event_id = body.get("event_id") or body.get("trigger_id")
    # Every log line of this work carries the delivery's id, so one Slack event can be followed through.
    logger.set_correlation_id(event_id)
    if not event_id:
        yield True
        return
    claims = rt.store.claims
    if not claims.claim(event_id, rt.clock.now()):
        logger.info("event already handled, delivery dropped", extra={"event_id": event_id})
        yield False
        return
    try:
        yield True
    except Exception:
        claims.release(event_id)
        raise
    claims.complete(event_id, rt.clock.now())

