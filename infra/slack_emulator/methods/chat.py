"""chat.*: posting, updating, deleting messages; ephemerals; permalinks."""

from __future__ import annotations

import copy
from typing import Any

from ..api_call import ApiCall, Handler, SlackError
from ..blocks import check_message
from ..messages import app_bot, compose, numbered, permalink, with_block_ids
from ..state import Channel


def post_message(call: ApiCall) -> dict[str, Any]:
    """chat.postMessage: to a channel id, `#name`, or a user id (the app's DM with them)."""
    channel = _destination(call)
    text, blocks, attachments = _content(call)
    thread_ts = call.text("thread_ts")
    if thread_ts and call.state.thread_root(channel, thread_ts) is None:
        raise SlackError("thread_not_found")
    message = compose(app_bot(call.state.klaxon), text=text, blocks=blocks, attachments=attachments,
                      thread_ts=thread_ts, broadcast=call.flag("reply_broadcast"))
    metadata = call.structured("metadata", "invalid_metadata_format")
    if metadata is not None:  # https://api.slack.com/metadata: an event_type and its event_payload
        if not (isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
                and isinstance(metadata.get("event_payload"), dict)):
            raise SlackError("invalid_metadata_format")
        message["metadata"] = metadata
    call.state.store(channel, message)
    call.outbox += call.feed.message_posted(channel, message)
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}


def update(call: ApiCall) -> dict[str, Any]:
    """chat.update: only the app's own messages; omitted blocks/attachments are kept."""
    channel = call.conversation(writable=True)
    message = call.message(channel)
    if message.get("bot_id") != call.state.identity.bot_id or message.get("subtype") == "tombstone":
        raise SlackError("cant_update_message")
    text, blocks, attachments = _content(call)
    before = copy.deepcopy(message)
    if "text" in call.args:
        message["text"] = text or ""
    if "blocks" in call.args:
        _replace_part(message, "blocks", with_block_ids(blocks or []))
    if "attachments" in call.args:
        _replace_part(message, "attachments", numbered(attachments or []))
    call.outbox += call.feed.message_changed(channel, before, message)
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"],
            "message": copy.deepcopy(message)}


def delete(call: ApiCall) -> dict[str, Any]:
    """chat.delete: only the app's own messages."""
    channel = call.conversation(writable=True)
    message = call.message(channel)
    if message.get("bot_id") != call.state.identity.bot_id:
        raise SlackError("cant_delete_message")
    before = copy.deepcopy(message)
    call.state.remove(channel, message)
    call.outbox += call.feed.message_deleted(channel, before)
    return {"ok": True, "channel": channel.id, "ts": before["ts"]}


def post_ephemeral(call: ApiCall) -> dict[str, Any]:
    """chat.postEphemeral: shown only to `user`, who must be in the conversation."""
    channel = call.conversation(writable=True)
    user_id = call.text("user") or ""
    if user_id not in call.state.users:
        raise SlackError("user_not_found")
    if user_id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, attachments = _content(call)
    content = {"text": text, "blocks": blocks, "attachments": attachments, "thread_ts": call.text("thread_ts")}
    ephemeral = call.state.add_ephemeral(user_id, channel.id, content, source="chat.postEphemeral")
    return {"ok": True, "message_ts": ephemeral["ts"]}


def get_permalink(call: ApiCall) -> dict[str, Any]:
    """chat.getPermalink: with `?thread_ts=…&cid=…` for thread replies."""
    channel = call.conversation(member=False)
    message = call.message(channel, "message_ts")
    link = permalink(call.state.identity.team_domain, channel.id, message["ts"], message.get("thread_ts"))
    return {"ok": True, "channel": channel.id, "permalink": link}


def _replace_part(message: dict[str, Any], name: str, value: list[dict[str, Any]]) -> None:
    # An empty list removes the part, as in Slack.
    message.pop(name, None)
    if value:
        message[name] = value


def _destination(call: ApiCall) -> Channel:
    ref = call.text("channel") or ""
    if ref[:1] in ("U", "W"):
        user = call.state.users.get(ref)
        if user is None:
            raise SlackError("channel_not_found")
        if user["is_bot"]:
            raise SlackError("cannot_dm_bot")
        return call.state.im_with(ref)
    return call.conversation(writable=True)


def _content(call: ApiCall) -> tuple[str | None, Any, Any]:
    text = call.text("text")
    blocks = call.structured("blocks", "invalid_blocks_format")
    attachments = call.structured("attachments", "invalid_attachments")
    problem = check_message(text, blocks, attachments)
    if problem:
        raise SlackError.from_problem(problem)
    return text, blocks, attachments


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
