"""Lazy listeners' work (Bolt runs it in an asynchronous re-invocation of the Slack function): once per
Slack delivery, and never failing silently.

Bolt swallows a lazy listener's exception, so failures are collected here (`lazy_failures_raised`, around
dispatch) and re-raised after it: the asynchronous invocation then fails, Lambda retries it twice, and
the dead-letter queue keeps what still fails.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import Ack

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)

_failures: contextvars.ContextVar[list[BaseException]] = contextvars.ContextVar("lazy_failures")


def acknowledge(ack: Ack) -> None:
    """The ack half of every listener: answer Slack now (it wants an answer within 3 s), work later."""
    ack()


class LazyWorkFailed(RuntimeError):
    """Work done after the ack failed; raised so Lambda retries the asynchronous invocation."""


@contextmanager
def lazy_failures_raised() -> Iterator[None]:
    """Around Bolt's dispatch of one request: re-raise the first failure of its lazy work afterwards."""
    failures: list[BaseException] = []
    token = _failures.set(failures)
    try:
        yield
    finally:
        _failures.reset(token)
    if failures:
        raise LazyWorkFailed(f"lazy listener failed: {failures[0]!r}") from failures[0]


@contextmanager
def lazy_work(services: Callable[[], Services], body: dict[str, Any]) -> Iterator[Services | None]:
    """Around a lazy listener's work: the delivery's services, or None for a repeat (once per delivery);
    failures re-raised."""
    with failures_reported():
        work = services()
        with once_per_event(work, body) as first:
            yield work if first else None


@contextmanager
def failures_reported() -> Iterator[None]:
    """Around lazy work: remember a failure for `lazy_failures_raised` to re-raise, then let Bolt log it."""
    try:
        yield
    except Exception as error:
        holder = _failures.get(None)
        if holder is not None:
            holder.append(error)
        raise


def delivery_id(body: dict[str, Any]) -> str | None:
    """What identifies a Slack delivery: events carry an event_id, commands and clicks a trigger_id, unique
    per use (Lambda may retry those); Slack's own retries repeat it."""
    found = body.get("event_id") or body.get("trigger_id")
    return str(found) if found else None


@contextmanager
def once_per_event(work: Services, body: dict[str, Any]) -> Iterator[bool]:
    """Yield True if this delivery's work should run now, False if it ran or is running elsewhere.

    Slack retries a delivery (same event_id) when it thinks it failed; the claim makes the work
    happen once. A failure releases the claim so Lambda's retry can do the work.
    """
    event_id = delivery_id(body)
    # Every log line of this work carries the delivery's id, so one Slack event can be followed through.
    logger.set_correlation_id(event_id)
    if not event_id:
        yield True
        return
    claims = work.store.claims
    if not claims.claim(event_id, work.clock.now()):
        logger.info("event already handled, delivery dropped", extra={"event_id": event_id})
        yield False
        return
    try:
        yield True
    except Exception:
        claims.release(event_id)
        raise
    claims.complete(event_id, work.clock.now())

