"""reactions.* and pins.*: what the app does to messages other than posting them."""

from __future__ import annotations

import copy
import re
from typing import Any

from ..api_call import ApiCall, Handler, SlackError
from ..messages import permalink

_REACTION_NAME = re.compile(r"^[a-z0-9_+'-]+(::skin-tone-[2-6])?$")


def add_reaction(call: ApiCall) -> dict[str, Any]:
    """reactions.add"""
    channel, message, name = _reaction_target(call)
    if not call.state.react(message, call.bot_user_id, name):
        raise SlackError("already_reacted")
    call.outbox += call.feed.reaction(channel, message, call.bot_user_id, name, added=True)
    return {"ok": True}


def remove_reaction(call: ApiCall) -> dict[str, Any]:
    """reactions.remove"""
    channel, message, name = _reaction_target(call)
    if not call.state.unreact(message, call.bot_user_id, name):
        raise SlackError("no_reaction")
    call.outbox += call.feed.reaction(channel, message, call.bot_user_id, name, added=False)
    return {"ok": True}


def _reaction_target(call: ApiCall) -> tuple[Any, dict[str, Any], str]:
    channel = call.conversation(writable=True)
    message = call.message(channel, "timestamp")
    name = call.text("name") or ""
    if not _REACTION_NAME.match(name):
        raise SlackError("invalid_name")
    return channel, message, name


def get_reactions(call: ApiCall) -> dict[str, Any]:
    """reactions.get: the message with its `reactions` (absent when there are none)."""
    if not call.text("channel") or not call.text("timestamp"):
        raise SlackError("no_item_specified")
    channel = call.conversation(member=False)
    message = call.message(channel, "timestamp")
    link = permalink(call.state.identity.team_domain, channel.id, message["ts"], message.get("thread_ts"))
    return {"ok": True, "type": "message", "channel": channel.id,
            "message": copy.deepcopy(message) | {"permalink": link}}


def add_pin(call: ApiCall) -> dict[str, Any]:
    """pins.add"""
    channel, message = _pin_target(call)
    if call.state.pin(channel, message, call.bot_user_id) is None:
        raise SlackError("already_pinned")
    call.outbox += call.feed.pin(channel, message, call.bot_user_id, added=True)
    return {"ok": True}


def remove_pin(call: ApiCall) -> dict[str, Any]:
    """pins.remove"""
    channel, message = _pin_target(call)
    if not call.state.unpin(channel, message):
        raise SlackError("no_pin")
    call.outbox += call.feed.pin(channel, message, call.bot_user_id, added=False)
    return {"ok": True}


def _pin_target(call: ApiCall) -> tuple[Any, dict[str, Any]]:
    channel = call.conversation(writable=True)
    if not call.text("timestamp"):
        raise SlackError("no_item_specified")
    return channel, call.message(channel, "timestamp")


def list_pins(call: ApiCall) -> dict[str, Any]:
    """pins.list: newest pin first."""
    channel = call.conversation()
    items = []
    for pin in reversed(channel.pins):
        message = channel.find(pin["ts"]) or {}
        link = permalink(call.state.identity.team_domain, channel.id, pin["ts"], message.get("thread_ts"))
        items.append({"type": "message", "created": pin["created"], "created_by": pin["created_by"],
                      "channel": channel.id, "message": copy.deepcopy(message) | {"permalink": link}})
    return {"ok": True, "items": items}


METHODS: dict[str, Handler] = {
    "reactions.add": add_reaction,
    "reactions.remove": remove_reaction,
    "reactions.get": get_reactions,
    "pins.add": add_pin,
    "pins.remove": remove_pin,
    "pins.list": list_pins,
}
