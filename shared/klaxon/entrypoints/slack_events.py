"""The Slack function's entry: one event - a request from Slack through API Gateway, or Klaxon's own lazy
re-invocation of one (klaxon.slack.lazy)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from klaxon.bootstrap import runtime
from klaxon.slack.door import Verdict, admit, is_lazy_work
from klaxon.slack.lazy import do_lazy_work

logger = Logger(child=True)


def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve the event through the container's Bolt app, once the door let it in; a lazy listener's failure
    is raised after it."""
    rt = runtime()
    if is_lazy_work(event):
        return do_lazy_work(event, context, rt.slack_request_handler, rt.credentials.signing_secret)
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
