"""Socket Mode: Slack's WebSocket link to an app that has no public request URL.

As Slack does it (https://docs.slack.dev/apis/events-api/using-socket-mode):
- `apps.connections.open`, called with the app-level token (`xapp-`), hands out a one-time
  `ws://…/link/?ticket=…` URL; the app connects to it and is greeted with `hello`.
- With Socket Mode on (`Settings.socket_mode`), what would be POSTed to the request URL goes down the
  socket instead, as an envelope: `events_api`, `slash_commands` or `interactive`. The app
  acknowledges each by its `envelope_id`, with a `payload` where a response is accepted (a command's
  answer, a view submission's `response_action`).
- An `events_api` envelope that is not acknowledged in time is sent again, `retry_attempt` 1 to 3 and
  `retry_reason` "timeout", as Slack retries events: at once, after a minute, after five minutes
  (`Settings.socket_retry_delays`).
- `disconnect` (`refresh_requested`, `link_disabled`) tells the app to open a new connection; no
  envelope is sent down a connection told to go.

The WebSocket protocol itself is the `websockets` library's (its threaded server).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import Future
from concurrent.futures import TimeoutError as AckTimeout
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .events import Outgoing
from .records import Delivery
from .settings import Identity, Settings

CONNECTIONS_OPEN = "apps.connections.open"
DISCONNECT_REASONS = ("refresh_requested", "link_disabled")
CARRIED = ("event", "command", "interaction")  # url_verification and raw requests are HTTP-only
RETRIED_KIND = "event"  # Slack retries events; a command or click nobody answered fails for the person
_HOST = "applink-emulator"


class LinkLost(Exception):
    """The connection an envelope went down closed before the app acknowledged it."""


@dataclass
class Link:
    """One open Socket Mode connection."""

    id: str
    connection: ServerConnection
    url: str
    opened_at: float = field(default_factory=time.time)
    closed_at: float | None = None
    retiring: bool = False  # told to disconnect: nothing more is sent down it

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "opened_at": self.opened_at, "closed_at": self.closed_at, "retiring": self.retiring}


class SocketMode:
    """The emulator's Socket Mode server: tickets, connections, envelopes and their acknowledgements."""

    def __init__(self, identity: Identity, settings: Settings, host: str = "127.0.0.1") -> None:
        self._identity = identity
        self._settings = settings
        self._host = host
        self._server: Server | None = None
        self._tickets: set[str] = set()
        self._links: list[Link] = []
        self._acks: dict[str, tuple[Link, Future[dict[str, Any]]]] = {}
        self._lock = threading.Condition()

    # apps.connections.open

    def open_connection(self) -> dict[str, Any]:
        """The answer to apps.connections.open: a fresh one-time URL to connect to."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
            port = self._serving_port()
        return {"ok": True, "url": f"ws://{self._host}:{port}/link/?ticket={ticket}&app_id={self._identity.app_id}"}

    def _serving_port(self) -> int:
        if self._server is None:  # started on first use: most emulators never see Socket Mode
            self._server = serve(self._serve, self._host, 0, process_request=self._admit, compression=None)
            threading.Thread(target=self._server.serve_forever, name="slack-emulator-socket-mode",
                             daemon=True).start()
        return int(self._server.socket.getsockname()[1])

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Only a ticket handed out by apps.connections.open opens a connection, once."""
        url = urlsplit(request.path)
        ticket = parse_qs(url.query).get("ticket", [""])[0]
        with self._lock:
            if url.path.rstrip("/") == "/link" and ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _serve(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request else "/link/"
        host, port = connection.local_address[:2]
        link = Link(uuid.uuid4().hex[:12], connection, f"ws://{host}:{port}{path}")
        with self._lock:
            self._links.append(link)
            live = sum(1 for other in self._links if other.closed_at is None)
            self._lock.notify_all()
        try:
            connection.send(json.dumps({
                "type": "hello", "num_connections": live,
                "debug_info": {"host": _HOST, "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self._identity.app_id},
            }))
            for message in connection:
                self._acknowledged(message)
        except ConnectionClosed:
            pass
        finally:
            self._closed(link)

    def _acknowledged(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            return  # Slack ignores what is not JSON
        if not isinstance(ack, dict):
            return
        with self._lock:
            pending = self._acks.get(str(ack.get("envelope_id")))
        if pending is not None and not pending[1].done():
            pending[1].set_result(ack)

    def _closed(self, link: Link) -> None:
        with self._lock:
            link.closed_at = time.time()
            lost = [future for sent_on, future in self._acks.values() if sent_on is link]
            self._lock.notify_all()
        for future in lost:
            if not future.done():
                future.set_exception(LinkLost())

    # Deliveries

    def carries(self, outgoing: Outgoing) -> bool:
        """Whether this request for the app goes down the socket rather than to the request URL."""
        return self._settings.socket_mode and outgoing.kind in CARRIED

    def deliver(self, outgoing: Outgoing, attempt: int, reason: str | None) -> Delivery:
        """Send one envelope and wait for its acknowledgement (up to `Settings.delivery_timeout`)."""
        envelope_id = str(uuid.uuid4())
        body = json.dumps(envelope(outgoing, envelope_id, attempt, reason))
        delivery = Delivery(id=outgoing.id, kind=outgoing.kind, event_type=outgoing.event_type, attempt=attempt,
                            url=None, request_headers={}, request_body=body, sent_at=time.time())
        timeout = self._settings.delivery_timeout
        link = self._link(timeout)
        if link is None:
            return replace(delivery, failure="connection_failed", detail="no open Socket Mode connection")
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            self._acks[envelope_id] = (link, future)
        started = time.monotonic()
        try:
            link.connection.send(body)
            ack = future.result(timeout)
        except AckTimeout:
            return replace(delivery, url=link.url, failure="timeout", detail=f"no ack within {timeout} s",
                           elapsed_ms=_since(started))
        except (LinkLost, ConnectionClosed):
            return replace(delivery, url=link.url, failure="connection_failed", detail="the connection closed",
                           elapsed_ms=_since(started))
        finally:
            with self._lock:
                self._acks.pop(envelope_id, None)
        # An acknowledged envelope reads like a 200 answer; its payload, if any, like the answer's body.
        payload = ack.get("payload")
        return replace(delivery, url=link.url, status=200, body=json.dumps(payload) if payload else "",
                       elapsed_ms=_since(started))

    def retry_delay(self, outgoing: Outgoing, delivery: Delivery) -> float | None:
        """Seconds until an unacknowledged event is sent again; None when it is not (any more)."""
        delays = self._settings.socket_retry_delays
        if not self.carries(outgoing) or outgoing.kind != RETRIED_KIND or delivery.ok:
            return None
        if delivery.attempt >= len(delays):
            return None
        return float(delays[delivery.attempt])

    def _link(self, timeout: float) -> Link | None:
        """The newest connection still in use, waiting a while for one (an app may be reconnecting)."""
        def usable() -> list[Link]:
            return [link for link in self._links if link.closed_at is None and not link.retiring]

        with self._lock:
            self._lock.wait_for(usable, timeout)
            found = usable()
            return found[-1] if found else None

    # Disconnects

    def disconnect(self, reason: str) -> int:
        """Tell every connection in use to go (`refresh_requested`, `link_disabled`); how many were told."""
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"reason is one of {', '.join(DISCONNECT_REASONS)}")
        with self._lock:
            told = [link for link in self._links if link.closed_at is None and not link.retiring]
            for link in told:
                link.retiring = True
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": _HOST}})
        for link in told:
            try:
                link.connection.send(message)
                if reason == "link_disabled":  # the link is gone; refresh_requested lets the app move first
                    link.connection.close()
            except ConnectionClosed:
                pass
        return len(told)

    def connections(self) -> list[dict[str, Any]]:
        """Every connection so far, oldest first."""
        with self._lock:
            return [link.describe() for link in self._links]

    def reset(self) -> None:
        """Forget closed connections (open ones stay: the app is still connected)."""
        with self._lock:
            self._links = [link for link in self._links if link.closed_at is None]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None


def envelope(outgoing: Outgoing, envelope_id: str, attempt: int, reason: str | None) -> dict[str, Any]:
    """The Socket Mode envelope for a request Slack would otherwise POST to the request URL."""
    if outgoing.kind == "event":
        return {"envelope_id": envelope_id, "payload": json.loads(outgoing.body), "type": "events_api",
                "accepts_response_payload": False, "retry_attempt": attempt,
                "retry_reason": (reason or "timeout") if attempt else ""}
    fields = dict(parse_qsl(outgoing.body, keep_blank_values=True))
    if outgoing.kind == "command":
        return {"envelope_id": envelope_id, "payload": fields, "type": "slash_commands",
                "accepts_response_payload": True}
    payload = json.loads(fields["payload"])
    # Only answers Slack reads back take a payload: a view submission's response_action, options.
    answers = payload.get("type") in ("view_submission", "block_suggestion")
    return {"envelope_id": envelope_id, "payload": payload, "type": "interactive",
            "accepts_response_payload": answers}


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
