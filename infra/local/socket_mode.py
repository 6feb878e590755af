"""Socket Mode for the local cloud: Slack reaches the Slack function with no public URL.

Bolt's Socket Mode adapter, on slack_sdk's built-in client, holds the WebSocket to Slack (or to the
emulator). Each envelope is turned back into the request Slack would have POSTed to the template's
`/slack/events` route - the same body (JSON for events, a form for commands, `payload=` for
interactions), signed with the app's signing secret, with Slack's retry headers - and served by the
local cloud exactly like an HTTP request: API Gateway's payload-v2 event, the Slack function in its
Lambda container, Bolt verifying and acking there. So one code path serves both transports: lazy
listeners re-invoke the function through the local Lambda Invoke endpoint as in AWS, and what the
function answered (an empty 200, a command's text, a view submission's `response_action`, after a
`views.open` in the ack path) goes back over the socket as the envelope's acknowledgement, converted
by Bolt's own Socket Mode code.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import send_response
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from infra.local.http_api import HttpRequest, HttpResponse

log = logging.getLogger("klaxon.local.socket_mode")

# What Slack's HTTP deliveries say they are; the function sees no difference.
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_FORM = "application/x-www-form-urlencoded"


class SocketModeError(ValueError):
    """Socket Mode cannot start: the message names what to set."""


class SocketModeBridge(BaseSocketModeHandler):
    """Envelopes in, the Slack function's HTTP answers out as acknowledgements.

    `serve` is the local cloud's request handler; `path` the template's route for Slack requests.
    """

    def __init__(self, app_token: str, signing_secret: str, api_url: str, serve: Callable[[HttpRequest], HttpResponse],
                 path: str) -> None:
        if not app_token.startswith("xapp-"):
            raise SocketModeError("SLACK_APP_TOKEN must be an app-level token (xapp-…) with connections:write")
        if not signing_secret:
            raise SocketModeError("SLACK_SIGNING_SECRET is needed: each envelope reaches the function signed, "
                                  "as Slack would have sent it over HTTP")
        self._signer = SignatureVerifier(signing_secret)
        self._serve = serve
        self._path = path
        # The WebClient only calls apps.connections.open (with the app token), at SLACK_API_URL.
        self.client = SocketModeClient(app_token=app_token, web_client=WebClient(base_url=api_url), logger=log)
        self.client.socket_mode_request_listeners.append(self.handle)

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Serve one envelope through the Slack function and acknowledge it with the function's answer."""
        started = time.time()
        request = self.slack_request(req)
        if request is None:
            log.warning("envelope of unknown type %s acknowledged unread", req.type)
            answer = HttpResponse(200, {}, b"")
        else:
            answer = self._serve(request)
        send_response(client, req, BoltResponse(status=answer.status, body=answer.body.decode("utf-8"),
                                                headers=answer.headers), started)

    def slack_request(self, req: SocketModeRequest) -> HttpRequest | None:
        """The HTTP request Slack would have sent for this envelope (None for a type it never POSTs)."""
        if req.type == "events_api":
            content_type, body = "application/json", json.dumps(req.payload)
        elif req.type == "slash_commands":
            content_type, body = _FORM, urlencode(req.payload)
        elif req.type == "interactive":
            content_type, body = _FORM, urlencode({"payload": json.dumps(req.payload)})
        else:
            return None
        timestamp = str(int(time.time()))
        headers = [("content-type", content_type), ("user-agent", USER_AGENT),
                   ("x-slack-request-timestamp", timestamp),
                   ("x-slack-signature", self._signer.generate_signature(timestamp=timestamp, body=body))]
        if req.retry_attempt:
            headers += [("x-slack-retry-num", str(req.retry_attempt)),
                        ("x-slack-retry-reason", req.retry_reason or "timeout")]
        return HttpRequest(method="POST", path=self._path, query="", headers=headers, body=body.encode("utf-8"),
                           source_ip="127.0.0.1")
