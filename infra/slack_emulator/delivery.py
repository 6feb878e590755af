"""Sends requests to the app the way Slack does: signed, one at a time, failures recorded."""

from __future__ import annotations

import hashlib
import hmac
import queue
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from .events import Outgoing
from .records import Delivery
from .settings import Settings

if TYPE_CHECKING:
    from .socket_mode import SocketMode

Signing = Literal["valid", "bad", "none"]
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# A request held back until the app's own Web API call has been answered; never wait forever.
_GATE_TIMEOUT = 5.0


def signature(secret: str, timestamp: int, body: str | bytes) -> str:
    """Slack's request signature: `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` (the body's raw bytes)."""
    raw = body if isinstance(body, bytes) else body.encode()
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class _Job:
    outgoing: Outgoing
    attempt: int = 0
    reason: str | None = None
    signing: Signing = "valid"
    timestamp_age: int = 0
    gate: threading.Event | None = None
    future: Future[Delivery] = field(default_factory=Future)


class Deliverer:
    """One worker sends queued requests in order, so the app sees events in the order they happened.

    With Socket Mode on, requests go down the app's WebSocket (`socket`) instead of to `app_url`.
    """

    def __init__(self, settings: Settings, socket: SocketMode | None = None) -> None:
        self._settings = settings
        self._socket = socket
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Condition()
        self._pending = 0
        self._records: list[Delivery] = []
        self._originals: dict[str, Outgoing] = {}
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="slack-emulator-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the request in flight; whoever waits on a request never sent gets CancelledError."""
        if self._thread:
            self._queue.put(None)
            self._thread.join(timeout=self._settings.delivery_timeout + _GATE_TIMEOUT)
            self._thread = None
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if job is not None:
                job.future.cancel()

    def submit(self, outgoing: Outgoing, *, gate: threading.Event | None = None, signing: Signing = "valid",
               timestamp_age: int = 0) -> Future[Delivery]:
        """Queue a first delivery. With a `gate`, it waits until the gate opens before sending."""
        with self._lock:
            self._originals.setdefault(outgoing.id, outgoing)
        return self._enqueue(_Job(outgoing, gate=gate, signing=signing, timestamp_age=timestamp_age))

    def redeliver(self, delivery_id: str, retry_num: int | None = None, reason: str | None = None) -> Future[Delivery]:
        """Send a delivery again exactly as Slack retries: same body, fresh signature, retry headers."""
        with self._lock:
            outgoing = self._originals.get(delivery_id)
            attempts = [d for d in self._records if d.id == delivery_id]
        if outgoing is None:
            raise KeyError(delivery_id)
        last_failure = attempts[-1].failure if attempts else None
        return self._enqueue(_Job(outgoing, attempt=retry_num or len(attempts),
                                  reason=reason or last_failure or "http_timeout"))

    def _enqueue(self, job: _Job, delay: float = 0.0) -> Future[Delivery]:
        with self._lock:
            self._pending += 1
        if delay > 0:
            timer = threading.Timer(delay, self._queue.put, (job,))
            timer.daemon = True
            timer.start()
        else:
            self._queue.put(job)
        return job.future

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or in flight; False if that takes longer than `timeout`."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending == 0, timeout)

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._records)

    def reset(self) -> None:
        with self._lock:
            self._records.clear()
            self._originals.clear()

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            if job.gate is not None:
                job.gate.wait(_GATE_TIMEOUT)
            delivery = self._send(job)
            self._retry_unacknowledged(job, delivery)  # queued before this one stops counting as pending
            with self._lock:
                self._records.append(delivery)
                self._pending -= 1
                self._lock.notify_all()
            job.future.set_result(delivery)

    def _retry_unacknowledged(self, job: _Job, delivery: Delivery) -> None:
        delay = self._socket.retry_delay(job.outgoing, delivery) if self._socket else None
        if delay is not None:
            self._enqueue(_Job(job.outgoing, attempt=job.attempt + 1, reason="timeout"), delay)

    def _send(self, job: _Job) -> Delivery:
        if self._socket is not None and self._socket.carries(job.outgoing):
            return self._socket.deliver(job.outgoing, job.attempt, job.reason)
        url = self._settings.app_url
        headers = self._headers(job)
        base = Delivery(id=job.outgoing.id, kind=job.outgoing.kind, event_type=job.outgoing.event_type,
                        attempt=job.attempt, url=url, request_headers=headers,
                        request_body=_text(job.outgoing.body), sent_at=time.time())
        if not url:
            return replace(base, failure="connection_failed", detail="no app_url configured")
        sent = job.outgoing.body
        request = urllib.request.Request(url, data=sent if isinstance(sent, bytes) else sent.encode(),
                                         headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self._settings.delivery_timeout) as response:
                status, answer, body = response.status, dict(response.headers), response.read()
            failure, detail = None, None
        except urllib.error.HTTPError as error:
            status, answer, body = error.code, dict(error.headers), error.read()
            failure, detail = "http_error", f"HTTP {error.code}"
        except Exception as error:  # noqa: BLE001 - every failure is recorded, none kills the worker
            status, answer, body = None, {}, b""
            failure, detail = _transport_failure(error)
        elapsed = (time.monotonic() - started) * 1000
        return replace(base, status=status, headers=answer, body=body.decode("utf-8", "replace"),
                        failure=failure, detail=detail, elapsed_ms=round(elapsed, 1))

    def _headers(self, job: _Job) -> dict[str, str]:
        headers = {"Content-Type": job.outgoing.content_type, "User-Agent": USER_AGENT}
        if job.signing != "none":
            timestamp = int(time.time()) - job.timestamp_age
            secret = self._settings.signing_secret
            if job.signing == "bad":
                secret = "not-" + secret
            headers["X-Slack-Request-Timestamp"] = str(timestamp)
            headers["X-Slack-Signature"] = signature(secret, timestamp, job.outgoing.body)
        if job.attempt:
            headers["X-Slack-Retry-Num"] = str(job.attempt)
            headers["X-Slack-Retry-Reason"] = job.reason or "http_timeout"
        return headers


def _text(body: str | bytes) -> str:
    """A body as the delivery record shows it (bytes that are not UTF-8 replaced)."""
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


def _transport_failure(error: Exception) -> tuple[str, str]:
    """Slack's retry reason for a request that got no HTTP answer."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return "http_timeout", str(reason) or "timed out"
    if isinstance(reason, OSError):
        return "connection_failed", str(reason)
    return "unknown_error", repr(reason)

