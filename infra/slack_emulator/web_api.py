"""The Web API front door: spec check, faults, auth, then the method; every call recorded."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .api_call import ApiCall, SlackError
from .delivery import Deliverer
from .events import EventFeed
from .faults import Faults
from .methods import METHODS
from .records import CallRecord, Violation
from .settings import Settings
from .spec import WebApiSpec
from .state import WorkspaceState

# What the installed app was granted; Bolt reads it from every response's X-OAuth-Scopes.
BOT_SCOPES = ",".join([
    "app_mentions:read", "channels:history", "channels:join", "channels:manage", "channels:read",
    "chat:write", "commands", "groups:history", "groups:read", "groups:write", "im:history", "im:read",
    "im:write", "mpim:history", "mpim:read", "mpim:write", "pins:read", "pins:write", "reactions:read",
    "reactions:write", "team:read", "usergroups:read", "users:read", "users:read.email",
])


@dataclass(frozen=True)
class ApiAnswer:
    """The HTTP answer to one Web API call.

    Requests for the app that the call caused are already queued, held until `answered` is set:
    Slack never sends an app the event of its own post while the post call is still open.
    """

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    answered: threading.Event = field(default_factory=threading.Event)


class WebApi:
    """Answers `/api/<method>` like slack.com does."""

    def __init__(self, state: WorkspaceState, spec: WebApiSpec, settings: Settings, faults: Faults,
                 deliverer: Deliverer) -> None:
        self._state = state
        self._spec = spec
        self._settings = settings
        self._faults = faults
        self._deliverer = deliverer
        self._feed = EventFeed(state)

    def call(self, method: str, args: dict[str, Any], token: str | None) -> ApiAnswer:
        """Answer one call and record it (and any violation of Slack's contract)."""
        answer = self._answer(method, args, token)
        with self._state.lock:
            self._state.calls.append(CallRecord(
                method=method, args=args, ok=bool(answer.body.get("ok")), error=answer.body.get("error"),
                status=answer.status, time=time.time(),
            ))
        return answer

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> ApiAnswer:
        if not self._spec.knows(method):
            problem = self._spec.check(method, args)
            assert problem is not None
            return self._violation(method, args, problem.reason, problem.response)
        fault = self._faults.take(method)
        if fault is not None and fault.delay:
            answer = self._authorized(method, args, token)  # carried out; the answer comes too late
            time.sleep(fault.delay)
            return answer
        if fault is not None:
            status, body, headers = fault.response()
            return ApiAnswer(status, body, headers)
        return self._authorized(method, args, token)

    def _authorized(self, method: str, args: dict[str, Any], token: str | None) -> ApiAnswer:
        if not token:
            return ApiAnswer(200, {"ok": False, "error": "not_authed"})
        if token != self._state.identity.bot_token:
            return ApiAnswer(200, {"ok": False, "error": "invalid_auth"})
        problem = self._spec.check(method, args)
        if problem is not None:
            return self._violation(method, args, problem.reason, problem.response)
        return self._run(method, args)

    def _run(self, method: str, args: dict[str, Any]) -> ApiAnswer:
        handler = METHODS.get(method)
        if handler is None:
            body = {"ok": False, "error": "method_not_emulated", "req_method": method}
            return self._violation(method, args, "method exists in Slack but is not emulated", body)
        headers = {"X-OAuth-Scopes": BOT_SCOPES}
        with self._state.lock:
            call = ApiCall(method, args, self._state, self._feed, self._settings)
            try:
                answer = ApiAnswer(200, handler(call), headers)
                for outgoing in call.outbox:
                    self._deliverer.submit(outgoing, gate=answer.answered)
                return answer
            except SlackError as error:
                if error.violation:
                    self._violation(method, args, error.violation, error.response())
                return ApiAnswer(200, error.response(), headers)

    def _violation(self, method: str, args: dict[str, Any], reason: str, body: dict[str, Any]) -> ApiAnswer:
        with self._state.lock:
            self._state.violations.append(Violation(method=method, args=args, reason=reason, time=time.time()))
        return ApiAnswer(200, body)
