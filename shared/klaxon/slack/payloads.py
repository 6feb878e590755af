"""Slack's event, command and interaction payloads turned into what the domain works with, once, at the edge.

Shapes from Slack's own references (docs.slack.dev/reference/events/<type>, docs.slack.dev/reference/
interaction-payloads, docs.slack.dev/interactivity/implementing-slash-commands): reaction_added/removed,
pin_added/removed, app_mention, slash commands, block_actions and view_submission. The door (klaxon.slack.door)
already refused what breaks a kind's envelope; what is read here beyond it - a reaction without `item.ts`, a
pin whose message is not an object - can mean nothing either: it raises Unusable, which the listener's lazy
work logs once and drops (no retry: the same payload would fail the same way every time). A payload that is
well formed but not for Klaxon (a reaction on a file, a pinned file) is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from klaxon.alerts.gathering import gathered_text
from klaxon.alerts.handling import ReactionChange
from klaxon.commands.service import Invocation
from klaxon.incidents.listening import Marking
from klaxon.paging.service import Mention
from klaxon.slack.door import Unusable


@dataclass(frozen=True)
class ButtonPress:
    """Someone clicked one of Klaxon's buttons: who, which, and the value it carries (an alert or page id)."""

    user: str
    action_id: str
    value: str


def reaction_change(event: Mapping[str, Any], at: datetime) -> ReactionChange | None:
    """A reaction added to or removed from a message; None for reactions on files and file comments."""
    item = _mapping(event, "item", "reaction event")
    if item.get("type") != "message":
        return None
    return ReactionChange(user=_text(event, "user", "reaction event"), reaction=_text(event, "reaction",
                                                                                        "reaction event"),
                          channel=_text(item, "channel", "reaction event's item"),
                          ts=_text(item, "ts", "reaction event's item"),
                          added=event.get("type") == "reaction_added", at=at)


def mention(event: Mapping[str, Any]) -> Mention:
    """Someone mentioned Klaxon in a channel."""
    thread_ts = event.get("thread_ts")
    return Mention(channel=_text(event, "channel", "app_mention"), ts=_text(event, "ts", "app_mention"),
                   user=_optional_text(event, "user"), text=_optional_text(event, "text"),
                   thread_ts=str(thread_ts) if isinstance(thread_ts, str) and thread_ts else None)


def direct_message_channel(event: Mapping[str, Any]) -> str:
    """The direct message conversation a person wrote to Klaxon in."""
    return _text(event, "channel", "direct message")


def invocation(body: Mapping[str, Any]) -> Invocation:
    """A `/klaxon` command as Slack posts it (form fields). Its trigger_id is what makes it once-only."""
    _text(body, "trigger_id", "slash command")
    return Invocation(text=_optional_text(body, "text"), actor=_text(body, "user_id", "slash command"),
                      channel=_text(body, "channel_id", "slash command"))


def button_press(body: Mapping[str, Any], action: Mapping[str, Any]) -> ButtonPress:
    """One click of a block_actions payload."""
    _text(body, "trigger_id", "button click")  # what makes it once-only
    user = _mapping(body, "user", "button click")
    return ButtonPress(user=_text(user, "id", "button click's user"),
                       action_id=_text(action, "action_id", "button click"),
                       value=_text(action, "value", "button click"))


@dataclass(frozen=True)
class Submission:
    """A form someone submitted: who, which form (Slack's view id), and what it was opened with (its
    private_metadata: an incident's id, or where a declaration came from)."""

    user: str
    form: str
    metadata: str


def submission(body: Mapping[str, Any], view: Mapping[str, Any]) -> Submission:
    """One view_submission; its trigger_id is what makes it once-only."""
    _text(body, "trigger_id", "form submission")
    user = _mapping(body, "user", "form submission")
    return Submission(user=_text(user, "id", "form submission's user"), form=_text(view, "id", "form submission"),
                      metadata=_optional_text(view, "private_metadata"))


def pin_change(event: Mapping[str, Any], at: datetime) -> tuple[Marking, str] | None:
    """A message pinned or unpinned, and what it shows (klaxon.alerts.gathering: a monitoring bot's alert is in
    its attachments or blocks, not its text); None for a pinned file."""
    item = _mapping(event, "item", "pin event")
    if "message" not in item:
        return None
    message = _mapping(item, "message", "pin event's item")
    marking = Marking(channel=_optional_text(event, "channel_id") or _text(item, "channel", "pin event's item"),
                      ts=_text(message, "ts", "pinned message"), user=_text(event, "user", "pin event"), at=at,
                      added=event.get("type") == "pin_added", by_reaction=False)
    return marking, gathered_text(message)


def asker(body: Mapping[str, Any]) -> str:
    """Who made a request (a command's `user_id`, a click's `user.id`), as far as the payload says; "" if not:
    the person to tell when it cannot be finished - never a reason to fail."""
    user = body.get("user")
    found = user.get("id") if isinstance(user, Mapping) else body.get("user_id")
    return found if isinstance(found, str) else ""


def _mapping(payload: Mapping[str, Any], key: str, kind: str) -> Mapping[str, Any]:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise Unusable(f"a {kind} without `{key}`")
    return value


def _text(payload: Mapping[str, Any], key: str, kind: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise Unusable(f"a {kind} without `{key}`")
    return value


def _optional_text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    return value if isinstance(value, str) else ""
