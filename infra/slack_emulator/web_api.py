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
from .rate_limits import RateLimits
from .records import CallRecord, Violation
from .settings import Settings
from .socket_mode import CONNECTIONS_OPEN, SocketMode
from .spec import WebApiSpec
from .state import WorkspaceState


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
                 deliverer: Deliverer, rate_limits: RateLimits, socket_mode: SocketMode) -> None:
        self._state = state
        self._spec = spec
        self._settings = settings
        self._faults = faults
        self._deliverer = deliverer
        self._rate_limits = rate_limits
        self._socket_mode = socket_mode
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
        # apps.connections.open is newer than the 2021 spec, and takes the app-level token.
        app_level = method == CONNECTIONS_OPEN
        if not app_level and not self._spec.knows(method):
            problem = self._spec.check(method, args)
            assert problem is not None
            return self._violation(method, args, problem.reason, problem.response)
        fault = self._faults.take(method)
        if fault is not None and fault.delay:
            answer = self._authorized(method, args, token, app_level)  # carried out; the answer comes too late
            time.sleep(fault.delay)
            return answer
        if fault is not None:
            status, body, headers = fault.response()
            return ApiAnswer(status, body, headers)
        return self._authorized(method, args, token, app_level)

    def _authorized(self, method: str, args: dict[str, Any], token: str | None, app_level: bool) -> ApiAnswer:
        refused = self._token_problem(token, app_level)
        if refused:
            return ApiAnswer(200, {"ok": False, "error": refused})
        retry_after = self._rate_limits.check(method, args, self._conversation_id)
        if retry_after is not None:
            return ApiAnswer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        if app_level:
            return ApiAnswer(200, self._socket_mode.open_connection())
        problem = self._spec.check(method, args)
        if problem is not None:
            return self._violation(method, args, problem.reason, problem.response)
        return self._run(method, args)

    def _run(self, method: str, args: dict[str, Any]) -> ApiAnswer:
        handler = METHODS.get(method)
        if handler is None:
            body = {"ok": False, "error": "method_not_emulated", "req_method": method}
            return self._violation(method, args, "method exists in Slack but is not emulated", body)
        # Bolt, and Klaxon's doctor, read what the app was granted from every answer.
        headers = {"X-OAuth-Scopes": ",".join(self._state.bot_scopes)}
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

    def _token_problem(self, token: str | None, app_level: bool) -> str | None:
        """Slack's error for a call with this token, or None when the token may make it."""
        identity = self._state.identity
        if not token:
            return "not_authed"
        if token == (identity.app_token if app_level else identity.bot_token):
            return None
        return "not_allowed_token_type" if token in (identity.app_token, identity.bot_token) else "invalid_auth"

    def _conversation_id(self, ref: str) -> str:
        with self._state.lock:
            channel = self._state.channel_by_ref(ref)
        return channel.id if channel else ref

    def _violation(self, method: str, args: dict[str, Any], reason: str, body: dict[str, Any]) -> ApiAnswer:
        with self._state.lock:
            self._state.violations.append(Violation(method=method, args=args, reason=reason, time=time.time()))
        return ApiAnswer(200, body)
