"""Lazy listeners' work (Bolt runs it in an asynchronous re-invocation of the Slack function): once per Slack
delivery, done or failing loudly whatever its age, never failing silently.

- `SelfInvocation` replaces Bolt's Lambda runner: it re-invokes this function with the request's event as
  Bolt's does, but marked as Klaxon's own work (klaxon.slack.door: an HMAC, no five-minute limit), and it
  keeps a lazy listener's failure - which Bolt would only log - so that `do_lazy_work` raises it: Lambda
  retries the invocation twice, and the dead-letter queue keeps what still fails (and its alarm fires).
- A re-invocation that ran no lazy listener is an error too (the work would be lost), unless Bolt dropped
  it on purpose (Klaxon's own event: `OwnEventsIgnored`); one whose mark Klaxon did not make is refused.
- `lazy_work`, around each listener's work: a claim per delivery (Slack's retries repeat the event_id), and
  a payload that cannot mean anything (klaxon.slack.door.Unusable) logged once and dropped, not retried.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.middleware import IgnoringSelfEvents
from slack_bolt.util.utils import get_arg_names_of_callable

from klaxon.slack.door import Unusable, genuine_lazy_work, mark_lazy_work
from klaxon.slack.identity import LAZY_ONLY_HEADER

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)

LAZY_FUNCTION_HEADER = "x-slack-bolt-lazy-function-name"  # which lazy listener Bolt's router runs


def acknowledge(ack: Ack) -> None:
    """The ack half of every listener: answer Slack now (it wants an answer within 3 s), work later."""
    ack()


class LazyWorkFailed(RuntimeError):
    """Work accepted at the ack failed, or was not done; raised so Lambda retries it (then dead-letters it)."""


class LazyWorkRefused(RuntimeError):
    """An invocation marked as Klaxon's own lazy work that Klaxon did not mark: refused loudly."""


@dataclass
class _LazyOutcome:
    """What became of one lazy re-invocation."""

    ran: bool = False
    dropped: str | None = None  # why Bolt dropped it on purpose
    failures: list[BaseException] = field(default_factory=list)


_outcome: contextvars.ContextVar[_LazyOutcome] = contextvars.ContextVar("lazy_outcome")


def do_lazy_work(event: Mapping[str, Any], context: Any, handler: Any, signing_secret: str) -> dict[str, Any]:
    """Run one re-invocation through Bolt's handler (`handler.handle(event, context)`); raises when it is not
    Klaxon's own, when its listener failed, or when no listener ran."""
    unmarked = genuine_lazy_work(event, signing_secret)
    if unmarked is None:
        raise LazyWorkRefused("an invocation claims to be Klaxon's lazy work but does not carry Klaxon's mark")
    outcome = _LazyOutcome()
    token = _outcome.set(outcome)
    try:
        response: dict[str, Any] = handler.handle(unmarked, context)
    finally:
        _outcome.reset(token)
    if outcome.failures:
        raise LazyWorkFailed(f"lazy listener failed: {outcome.failures[0]!r}") from outcome.failures[0]
    if not outcome.ran and outcome.dropped is None:
        raise LazyWorkFailed(f"no lazy listener ran (Bolt answered {response.get('statusCode')}): the work "
                             "would be lost")
    if outcome.dropped:
        logger.info("lazy work dropped", extra={"reason": outcome.dropped})
    return response


class SelfInvocation(LazyListenerRunner):
    """Runs lazy listeners as Bolt's Lambda runner does - an asynchronous invocation of this function with
    the request's event - but marks the event as Klaxon's own work, and lets no failure pass silently.

    `invoke(function_arn, event)` makes the asynchronous invocation (Lambda's Invoke, InvocationType=Event);
    `signing_secret()` is asked on every use, so a rotated secret takes effect.
    """

    def __init__(self, invoke: Callable[[str, dict[str, Any]], None], signing_secret: Callable[[], str]) -> None:
        self.logger = logging.getLogger("klaxon.bolt.lazy")
        self._invoke = invoke
        self._signing_secret = signing_secret

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        event: dict[str, Any] = request.context["lambda_request"]
        # The headers Bolt's own runner sets (not arrays): they route the invocation to `function`.
        event["headers"][LAZY_ONLY_HEADER] = "1"
        event["headers"][LAZY_FUNCTION_HEADER] = request.lazy_function_name
        self._invoke(request.context["aws_lambda_invoked_function_arn"],
                     mark_lazy_work(event, self._signing_secret()))

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        outcome = _outcome.get(None)
        if outcome is not None:
            outcome.ran = True
        try:
            function(**build_required_kwargs(logger=self.logger, required_arg_names=get_arg_names_of_callable(
                function), request=request, response=None, this_func=function))
        except Exception as error:
            self.logger.exception("lazy listener %s failed", request.lazy_function_name)
            if outcome is None:
                raise
            outcome.failures.append(error)


def lambda_invoker(lambda_client: Any) -> Callable[[str, dict[str, Any]], None]:
    """SelfInvocation's `invoke` through boto3's Lambda client (asynchronous: InvocationType=Event)."""

    def invoke(function_arn: str, event: dict[str, Any]) -> None:
        lambda_client.invoke(FunctionName=function_arn, InvocationType="Event", Payload=json.dumps(event))

    return invoke


class OwnEventsIgnored(IgnoringSelfEvents):
    """Bolt's filter of the bot's own events, noting each drop so that lazy work dropped on purpose is
    told apart from lazy work that was lost."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        passed = []

        def carry_on() -> BoltResponse:
            passed.append(True)
            return next()

        response = super().process(req=req, resp=resp, next=carry_on)
        outcome = _outcome.get(None)
        if not passed and outcome is not None:
            outcome.dropped = "Klaxon's own event"
        return response


@contextmanager
def lazy_work(services: Callable[[], Services], body: Mapping[str, Any]) -> Iterator[Services | None]:
    """Around a lazy listener's work: the delivery's services, or None for a repeat (once per delivery).

    Slack retries a delivery (same event_id) when it thinks it failed; the claim makes the work happen
    once. A failure releases the claim so Lambda's retry can do the work - except a payload that cannot
    mean anything (Unusable), which is logged once and dropped: it would fail the same way every time.
    """
    event_id = delivery_id(body)
    # Every log line of this work carries the delivery's id, so one Slack event can be followed through.
    logger.set_correlation_id(event_id)
    work = services()
    claims = work.store.claims
    if event_id and not claims.claim(event_id, work.clock.now()):
        logger.info("event already handled, delivery dropped", extra={"event_id": event_id})
        yield None
        return
    try:
        yield work
    except Unusable as unusable:
        logger.warning("Slack payload dropped: it cannot mean anything", extra={"reason": str(unusable)})
    except Exception:
        if event_id:
            claims.release(event_id)
        raise
    if event_id:
        claims.complete(event_id, work.clock.now())


def delivery_id(body: Mapping[str, Any]) -> str | None:
    """What identifies a Slack delivery: events carry an event_id, commands and clicks a trigger_id, unique
    per use (Lambda may retry those); Slack's own retries repeat it."""
    found = body.get("event_id") or body.get("trigger_id")
    return str(found) if found else None
