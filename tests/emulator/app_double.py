"""A tiny stand-in for the Klaxon app: verifies Slack signatures like Bolt does and records requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier


@dataclass
class Received:
    """One request the app received."""

    headers: dict[str, str]
    body: str
    signature_valid: bool
    at: float = field(default_factory=time.monotonic)

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON event, the `payload=` of an interaction, or the fields of a command."""
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return dict(json.loads(self.body))
        form = {k: v[-1] for k, v in parse_qs(self.body, keep_blank_values=True).items()}
        return dict(json.loads(form["payload"])) if "payload" in form else dict(form)


# (status, content type, body)
Answer = tuple[int, str, str]
Responder = Callable[[Received], Answer]


class RecordingApp:
    """Answers 401 to badly signed requests (as Bolt does) and `responder`'s answer to the rest."""

    def __init__(self, signing_secret: str) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.received: list[Received] = []
        self.responder: Responder = lambda request: (200, "text/plain", "")
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"app": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_with(self, status: int = 200, body: Any = "", content_type: str | None = None) -> None:
        """Answer every valid request the same way (dict bodies as JSON)."""
        text = json.dumps(body) if isinstance(body, dict) else body
        kind = content_type or ("application/json" if isinstance(body, dict) else "text/plain")
        self.responder = lambda request: (status, kind, text)

    def handle(self, headers: dict[str, str], body: str) -> Answer:
        request = Received(headers, body, self.verifier.is_valid_request(body, headers))
        with self._lock:
            self.received.append(request)
        if not request.signature_valid:
            return 401, "text/plain", "invalid signature"
        return self.responder(request)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """The `event` of every event_callback received, optionally of one type."""
        envelopes = [p for r in self.received if r.signature_valid and (p := r.payload).get("type") == "event_callback"]
        return [e["event"] for e in envelopes if event_type in (None, e["event"]["type"])]


class _Handler(BaseHTTPRequestHandler):
    app: RecordingApp

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        status, content_type, text = self.app.handle(dict(self.headers), body)
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return
