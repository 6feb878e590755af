"""One Web API call in flight: its arguments, the workspace, and what it will tell the app."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .blocks import BlockProblem
from .events import EventFeed, Outgoing
from .settings import Settings
from .state import Channel, WorkspaceState


class SlackError(Exception):
    """An `{"ok": false, "error": …}` answer; with `violation`, also a breach of Slack's contract."""

    def __init__(self, error: str, *, violation: str | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.violation = violation
        self.extra = extra

    @classmethod
    def from_problem(cls, problem: BlockProblem) -> SlackError:
        body = problem.response()
        return cls(problem.error, violation="; ".join(problem.messages),
                   errors=body["errors"], response_metadata=body["response_metadata"])

    def response(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


@dataclass
class ApiCall:
    """The context a method handler works in."""

    method: str
    args: dict[str, Any]
    state: WorkspaceState
    feed: EventFeed
    settings: Settings
    # Requests for the app caused by this call, sent only after the call has been answered.
    outbox: list[Outgoing] = field(default_factory=list)

    @property
    def bot_user_id(self) -> str:
        return self.state.identity.bot_user_id

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.args.get(name)
        return default if value in (None, "") else str(value)

    def flag(self, name: str) -> bool:
        value = self.args.get(name)
        return value is True or str(value).lower() in ("1", "true")

    def number(self, name: str, default: int) -> int:
        try:
            return int(self.args.get(name) or default)
        except ValueError:
            raise SlackError("invalid_arguments", violation=f"{name} is not a number") from None

    def structured(self, name: str, error: str = "invalid_json") -> Any:
        """A JSON argument, given either as a JSON string (form posts) or as JSON itself."""
        value = self.args.get(name)
        if not isinstance(value, str):
            return value
        if not value:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise SlackError(error, violation=f"{name} is not valid JSON") from None

    def ids(self, name: str) -> list[str]:
        """A comma-separated list argument."""
        return [part.strip() for part in (self.text(name) or "").split(",") if part.strip()]

    def conversation(self, *, member: bool = True, writable: bool = False) -> Channel:
        """The `channel` argument as the bot may see it.

        Private conversations the bot is not in do not exist for it (`channel_not_found`); public
        ones it is not in can be looked at but not used (`not_in_channel`) when `member` is needed.
        """
        channel = self.state.channel_by_ref(self.text("channel") or "")
        if channel is None or (channel.kind != "public" and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        if member and self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        if writable and channel.is_archived:
            raise SlackError("is_archived")
        return channel

    def message(self, channel: Channel, ts_arg: str = "ts") -> dict[str, Any]:
        message = channel.find(self.text(ts_arg) or "")
        if message is None:
            raise SlackError("message_not_found")
        return message

    def page(self, items: list[Any], default_limit: int = 100) -> tuple[list[Any], dict[str, Any]]:
        """One page of `items` by `limit` and `cursor`, and the `response_metadata` to answer with."""
        start = _decode_cursor(self.text("cursor"))
        limit = max(1, min(self.number("limit", default_limit), 1000))
        chunk = items[start:start + limit]
        more = start + limit < len(items)
        return chunk, {"next_cursor": _encode_cursor(start + limit) if more else ""}


Handler = Callable[[ApiCall], dict[str, Any]]


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().removeprefix("next:"))
    except ValueError:
        raise SlackError("invalid_cursor") from None
