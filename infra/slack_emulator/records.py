"""What the emulator remembers for inspection: Web API calls, contract violations, deliveries.

The same dataclasses travel over the control API as JSON and come back to life in the client.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Self

from .settings import SLACK_ACK_SECONDS


class Record:
    """JSON round trip shared by the records."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)  # type: ignore[call-overload]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class CallRecord(Record):
    """One Web API call the app made."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    status: int
    time: float


@dataclass(frozen=True)
class Violation(Record):
    """A Web API call that broke Slack's published contract (or asked for what is not emulated)."""

    method: str
    args: dict[str, Any]
    reason: str
    time: float


@dataclass(frozen=True)
class Delivery(Record):
    """One HTTP request the emulator sent to the app, and what the app answered."""

    id: str  # the event_id for events; otherwise an emulator id for the command, click, …
    kind: str  # event | command | interaction | url_verification | raw
    event_type: str  # message, app_mention, reaction_added, block_actions, /klaxon, …
    attempt: int  # 0 for the first send, N for a retry sent with X-Slack-Retry-Num: N
    url: str | None
    request_headers: dict[str, str]
    request_body: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    # Slack's retry-reason vocabulary: http_timeout, connection_failed, http_error, unknown_error.
    failure: str | None = None
    detail: str | None = None
    elapsed_ms: float = 0.0
    sent_at: float = 0.0

    @property
    def ok(self) -> bool:
        """The app answered 2xx."""
        return self.failure is None and self.status is not None and 200 <= self.status < 300

    @property
    def late(self) -> bool:
        """The app answered, but after Slack would have given up (3 s)."""
        return self.elapsed_ms > SLACK_ACK_SECONDS * 1000

    def json(self) -> Any:
        """The app's answer parsed as JSON (None when the body is empty)."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Outcome(Record):
    """What a person's action led to: the message it touched and the deliveries it caused."""

    channel: str  # "" when the action has none (a modal submission)
    ts: str  # "" when the action touched no message (a command, a modal submission)
    deliveries: list[Delivery]

    @property
    def delivery(self) -> Delivery:
        """The one delivery of an action that causes exactly one (a command, a click…)."""
        if len(self.deliveries) != 1:
            raise LookupError(f"expected one delivery, got {len(self.deliveries)}")
        return self.deliveries[0]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        deliveries = [Delivery.from_dict(d) for d in data.get("deliveries", [])]
        return cls(channel=data["channel"], ts=data["ts"], deliveries=deliveries)
