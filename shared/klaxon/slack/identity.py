"""Who Klaxon's bot is in this workspace (auth.test), learned once per container - after the ack.

Bolt's default authorization calls auth.test on a container's first request, before the ack: a
round trip to Slack (and a TLS set-up) that a cold start can ill afford. Acknowledging needs no
identity, so the ack phase goes without until the first lazy listener has asked Slack; from then on,
every request of the container knows it (and Bolt ignores Klaxon's own events before they cost an
asynchronous invocation).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

LAZY_ONLY_HEADER = "x-slack-bolt-lazy-only"  # set by Bolt's Lambda runner on its re-invocation


def bot_authorizer(bot_token: Callable[[], str], client: WebClient) -> Callable[[BoltContext], AuthorizeResult]:
    """Bolt's `authorize` function for this container (Bolt passes arguments by name: a plain function).

    `bot_token` is asked on every request: a rotated token (Secrets Manager, cached) takes effect then.
    """
    known: list[Any] = []  # the auth.test response, once asked
    lock = threading.Lock()

    def authorize(context: BoltContext) -> AuthorizeResult:
        token = bot_token()
        if not known and _is_lazy_work(context):
            with lock:
                if not known:
                    known.append(client.auth_test(token=token))
        if not known:
            return AuthorizeResult(enterprise_id=context.enterprise_id, team_id=context.team_id, bot_token=token)
        return AuthorizeResult.from_auth_test_response(bot_token=token, auth_test_response=known[0])

    return authorize


def _is_lazy_work(context: BoltContext) -> bool:
    headers = (context.get("lambda_request") or {}).get("headers") or {}
    return bool(headers.get(LAZY_ONLY_HEADER))
