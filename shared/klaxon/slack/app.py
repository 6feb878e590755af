"""The Bolt app behind POST /slack/events, built once per container.

Every listener acks at once (Slack wants an answer within 3 s) and leaves the work to a lazy listener,
which runs in an asynchronous re-invocation of this same function. Work accepted at the ack is done or
fails loudly, whatever its age: the re-invocation is trusted as Klaxon's own (klaxon.slack.intake, no
five-minute limit), a failure of the lazy listener - which Bolt would only log - is raised so Lambda
retries it twice and the dead-letter queue keeps what still fails, and a re-invocation that ran no lazy
listener is an error too, unless Bolt dropped it on purpose (Klaxon's own event).
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.middleware import IgnoringSelfEvents
from slack_bolt.util.utils import get_arg_names_of_callable

from klaxon.bootstrap import Runtime, runtime
from klaxon.slack.intake import Unusable, Verdict, admit, genuine_lazy_work, is_lazy_work, mark_lazy_work

logger = Logger(child=True)


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


def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one event: a request from Slack through API Gateway, or Klaxon's own lazy re-invocation of one."""
    rt = runtime()
    if is_lazy_work(event):
        return _do_lazy_work(event, context, rt)
    verdict = admit(event, rt.credentials.signing_secret, lambda: rt.clock.now().timestamp())
    if verdict.admitted:
        handler = rt.slack_request_handler  # built outside the `try`: failing to build it is a real error
        try:
            response: dict[str, Any] = handler.handle(event, context)
            return response
        except Exception as unreadable:
            # Bolt catches everything once it dispatches (a failure there is its 500, which Slack retries);
            # what escapes is its reading of the request - a signed payload of a shape it cannot take.
            verdict = Verdict(200, f"Bolt cannot read the payload ({type(unreadable).__name__})")
    # The reason and the size only: an unverified body is never logged, nor a meaningless one.
    logger.warning("Slack request answered at the door", extra={
        "status": verdict.status, "reason": verdict.reason, "body_length": len(event.get("body") or "")})
    return {"statusCode": verdict.status, "headers": {"content-type": "application/json"},
            "body": json.dumps({"error": verdict.reason} if verdict.status != 200 else {})}


def _do_lazy_work(event: dict[str, Any], context: Any, rt: Runtime) -> dict[str, Any]:
    unmarked = genuine_lazy_work(event, rt.credentials.signing_secret)
    if unmarked is None:
        raise LazyWorkRefused("an invocation claims to be Klaxon's lazy work but does not carry Klaxon's mark")
    outcome = _LazyOutcome()
    token = _outcome.set(outcome)
    try:
        response: dict[str, Any] = rt.slack_request_handler.handle(unmarked, context)
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


def request_handler(rt: Runtime) -> SlackRequestHandler:
    """The container's Bolt app behind Bolt's Lambda adapter, its lazy listeners run by SelfInvocation."""
    handler = SlackRequestHandler(build_app(rt))
    # The adapter installs Bolt's own runner, which trusts no re-invocation older than Slack's five
    # minutes and swallows failures: replace it.
    handler.app.listener_runner.lazy_listener_runner = SelfInvocation(rt)
    return handler


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
        # The door (klaxon.slack.intake) checked Slack's signature already, before anything was parsed;
        # Bolt's check would refuse Klaxon's own lazy work once the request is five minutes old.
        request_verification_enabled=False,
        ignoring_self_events_enabled=False,
        logger=logging.getLogger("klaxon.bolt"),
    )
    app.use(OwnEventsIgnored(base_logger=app.logger))
    register(app, rt)
    return app


class SelfInvocation(LazyListenerRunner):
    """Runs lazy listeners as Bolt's Lambda runner does - an asynchronous invocation of this function with
    the request's event - but marks the event as Klaxon's own work, and lets no failure pass silently."""

    def __init__(self, rt: Runtime) -> None:
        self.logger = logging.getLogger("klaxon.bolt.lazy")
        self._rt = rt

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        event: dict[str, Any] = request.context["lambda_request"]
        # The headers Bolt's own runner sets (not arrays): they route the invocation to `function`.
        event["headers"]["x-slack-bolt-lazy-only"] = "1"
        event["headers"]["x-slack-bolt-lazy-function-name"] = request.lazy_function_name
        marked = mark_lazy_work(event, self._rt.credentials.signing_secret)
        self._rt.lambda_client.invoke(FunctionName=request.context["aws_lambda_invoked_function_arn"],
                                      InvocationType="Event", Payload=json.dumps(marked))

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
def lazy_work(rt: Runtime, body: Mapping[str, Any]) -> Iterator[bool]:
    """Around a lazy listener's work: yield True if this delivery's work should run now, False if it ran or
    is running elsewhere.

    Slack retries a delivery (same event_id) when it thinks it failed; the claim makes the work happen
    once. A failure releases the claim so Lambda's retry can do the work - except a payload that cannot
    mean anything (Unusable), which is logged once and dropped: it would fail the same way every time.
    """
    event_id = delivery_id(body)
    # Every log line of this work carries the delivery's id, so one Slack event can be followed through.
    logger.set_correlation_id(event_id)
    claims = rt.store.claims
    if event_id and not claims.claim(event_id, rt.clock.now()):
        logger.info("event already handled, delivery dropped", extra={"event_id": event_id})
        yield False
        return
    try:
        yield True
    except Unusable as unusable:
        logger.warning("Slack payload dropped: it cannot mean anything", extra={"reason": str(unusable)})
    except Exception:
        if event_id:
            claims.release(event_id)
        raise
    if event_id:
        claims.complete(event_id, rt.clock.now())


def delivery_id(body: Mapping[str, Any]) -> str | None:
    """The id of a Slack delivery: events carry an event_id, commands and clicks a trigger_id (unique per use)."""
    found = body.get("event_id") or body.get("trigger_id")
    return str(found) if found else None
