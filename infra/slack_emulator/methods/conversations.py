"""conversations.*: channels, DMs, membership, history and threads."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from ..api_call import ApiCall, Handler, SlackError
from ..state import Channel

_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")
_TOPIC_LIMIT = 250


def info(call: ApiCall) -> dict[str, Any]:
    """conversations.info"""
    channel = call.conversation(member=False)
    return {"ok": True, "channel": channel.conversation(call.bot_user_id)}


def list_conversations(call: ApiCall) -> dict[str, Any]:
    """conversations.list: public channels, and the private ones / DMs the bot is in, by `types`."""
    wanted = set(call.ids("types") or ["public_channel"])
    kinds = {"public_channel": "public", "private_channel": "private", "im": "im", "mpim": "mpim"}
    channels = [
        c for c in call.state.channels.values()
        if any(kinds.get(t) == c.kind for t in wanted)
        and (c.kind == "public" or call.bot_user_id in c.members)
        and not (c.is_archived and call.flag("exclude_archived"))
    ]
    page, metadata = call.page([c.conversation(call.bot_user_id) for c in channels])
    return {"ok": True, "channels": page, "response_metadata": metadata}


def members(call: ApiCall) -> dict[str, Any]:
    """conversations.members"""
    channel = call.conversation(member=False)
    page, metadata = call.page(channel.members)
    return {"ok": True, "members": page, "response_metadata": metadata}


def open_conversation(call: ApiCall) -> dict[str, Any]:
    """conversations.open: one user gives the app's DM (`D…`), several a group DM."""
    if call.text("channel"):
        channel = call.conversation()
        return _opened(call, channel, already_open=True)
    user_ids = call.ids("users")
    if not user_ids:
        raise SlackError("users_list_not_supplied")
    for user_id in user_ids:
        user = call.state.users.get(user_id)
        if user is None:
            raise SlackError("user_not_found")
        if user["is_bot"]:
            raise SlackError("cannot_dm_bot")
    before = set(call.state.channels)
    if len(user_ids) == 1:
        channel = call.state.im_with(user_ids[0])
    elif len(user_ids) <= 8:
        channel = call.state.mpim_with(user_ids)
    else:
        raise SlackError("too_many_users")
    return _opened(call, channel, already_open=channel.id in before)


def _opened(call: ApiCall, channel: Channel, *, already_open: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": True}
    if already_open:
        body |= {"no_op": True, "already_open": True}
    full = call.flag("return_im") or channel.kind == "mpim"
    body["channel"] = channel.conversation(call.bot_user_id) if full else {"id": channel.id}
    return body


def create(call: ApiCall) -> dict[str, Any]:
    """conversations.create: the app creates the channel and is its first member."""
    name = _free_name(call)
    channel = call.state.add_channel(name, is_private=call.flag("is_private"), creator=call.bot_user_id)
    return {"ok": True, "channel": channel.conversation(call.bot_user_id)}


def rename(call: ApiCall) -> dict[str, Any]:
    """conversations.rename: by a member; the name must be free, as for conversations.create."""
    channel = call.conversation(writable=True)
    name = _free_name(call)
    channel.name = name
    return {"ok": True, "channel": channel.conversation(call.bot_user_id)}


def _free_name(call: ApiCall) -> str:
    """The `name` argument, valid and held by no channel - archived ones included, as in Slack."""
    name = call.text("name") or ""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if not _CHANNEL_NAME.match(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name for c in call.state.channels.values()):
        raise SlackError("name_taken")
    return name


def invite(call: ApiCall) -> dict[str, Any]:
    """conversations.invite: the bot must be in the channel; users already there are an error."""
    channel = call.conversation(writable=True)
    user_ids = call.ids("users")
    if not user_ids:
        raise SlackError("no_user")
    errors = {user_id: error for user_id in user_ids if (error := _invite_error(call, channel, user_id))}
    if errors:
        problems = [{"user": user_id, "ok": False, "error": error} for user_id, error in errors.items()]
        raise SlackError(next(iter(errors.values())), errors=problems)
    channel.members.extend(user_ids)
    return {"ok": True, "channel": channel.conversation(call.bot_user_id)}


def _invite_error(call: ApiCall, channel: Channel, user_id: str) -> str | None:
    if user_id == call.bot_user_id:
        return "cant_invite_self"
    if user_id not in call.state.users:
        return "user_not_found"
    if user_id in channel.members:
        return "already_in_channel"
    return None


def join(call: ApiCall) -> dict[str, Any]:
    """conversations.join: public channels only."""
    channel = call.conversation(member=False, writable=True)
    if channel.kind != "public":
        raise SlackError("method_not_supported_for_channel_type")
    body: dict[str, Any] = {"ok": True}
    if call.bot_user_id in channel.members:
        body |= {"warning": "already_in_channel", "response_metadata": {"warnings": ["already_in_channel"]}}
    else:
        channel.members.append(call.bot_user_id)
    return body | {"channel": channel.conversation(call.bot_user_id)}


def set_topic(call: ApiCall) -> dict[str, Any]:
    """conversations.setTopic"""
    return _set_label(call, "topic")


def set_purpose(call: ApiCall) -> dict[str, Any]:
    """conversations.setPurpose"""
    return _set_label(call, "purpose")


def _set_label(call: ApiCall, name: str) -> dict[str, Any]:
    channel = call.conversation(writable=True)
    value = call.text(name) or ""
    if len(value) > _TOPIC_LIMIT:
        raise SlackError("too_long")
    setattr(channel, name, {"value": value, "creator": call.bot_user_id, "last_set": int(time.time())})
    return {"ok": True, "channel": channel.conversation(call.bot_user_id)}


def history(call: ApiCall) -> dict[str, Any]:
    """conversations.history: top-level messages, newest first."""
    channel = call.conversation()
    messages = _between(call, channel.top_level())[::-1]
    page, metadata = call.page(messages)
    shown = copy.deepcopy(page)
    if not call.flag("include_all_metadata"):  # message metadata is shown only when asked for
        for message in shown:
            message.pop("metadata", None)
    return {"ok": True, "messages": shown, "has_more": bool(metadata["next_cursor"]),
            "pin_count": len(channel.pins), "channel_actions_ts": None, "channel_actions_count": 0,
            "response_metadata": metadata}


def replies(call: ApiCall) -> dict[str, Any]:
    """conversations.replies: the parent, then its replies oldest first."""
    channel = call.conversation()
    root = call.state.thread_root(channel, call.text("ts") or "")
    if root is None:
        raise SlackError("thread_not_found")
    thread = channel.thread(root["ts"])
    page, metadata = call.page([thread[0], *_between(call, thread[1:])], default_limit=1000)
    return {"ok": True, "messages": copy.deepcopy(page), "has_more": bool(metadata["next_cursor"]),
            "response_metadata": metadata}


def _between(call: ApiCall, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    oldest = float(call.text("oldest") or 0)
    latest = float(call.text("latest") or "inf")
    inclusive = call.flag("inclusive")
    return [m for m in messages
            if (oldest <= float(m["ts"]) if inclusive else oldest < float(m["ts"]))
            and (float(m["ts"]) <= latest if inclusive else float(m["ts"]) < latest)]


def archive(call: ApiCall) -> dict[str, Any]:
    """conversations.archive"""
    channel = call.conversation()
    if channel.is_archived:
        raise SlackError("already_archived")
    if channel.kind in ("im", "mpim"):
        raise SlackError("method_not_supported_for_channel_type")
    channel.is_archived = True
    return {"ok": True}


METHODS: dict[str, Handler] = {
    "conversations.info": info,
    "conversations.list": list_conversations,
    "conversations.members": members,
    "conversations.open": open_conversation,
    "conversations.create": create,
    "conversations.rename": rename,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.archive": archive,
}
