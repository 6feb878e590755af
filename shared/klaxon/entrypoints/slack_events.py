"""The Slack function's entry: one API Gateway event - a Slack request, or Bolt's lazy re-invocation of one."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from klaxon.bootstrap import runtime
from klaxon.slack.app import unreadable
from klaxon.slack.lazy import lazy_failures_raised

logger = Logger(child=True)


def handle_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve the event through the container's Bolt app; a lazy listener's failure is raised after it."""
    problem = unreadable(event)
    if problem:
        # Bolt would raise parsing it: a 400 here, not a Lambda error (and an alarm) for garbage.
        logger.warning("unreadable request refused", extra={"problem": problem})
        return {"statusCode": 400, "headers": {"content-type": "application/json"},
                "body": json.dumps({"error": problem})}
    with lazy_failures_raised():
        response: dict[str, Any] = runtime().slack_request_handler.handle(event, context)
    return response
