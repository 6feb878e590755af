"""A plain-text picture of the workspace, for the demo to print and for people to read in test logs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .state import Channel, WorkspaceState, is_reply

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]+))?>")
INDENT = "    "


def render(state: WorkspaceState) -> str:
    """Every channel with its messages and threads, then DMs, then ephemerals. Times are UTC."""
    identity = state.identity
    lines = [f"{identity.team_name} ({identity.team_domain}.slack.com), emulated", ""]
    channels = [c for c in state.channels.values() if c.kind in ("public", "private")]
    for channel in channels:
        lines += _conversation(state, channel, _channel_title(state, channel))
    dms = [c for c in state.channels.values() if c.kind in ("im", "mpim")]
    if dms:
        lines += ["Direct messages", ""]
        for channel in dms:
            lines += _conversation(state, channel, _dm_title(state, channel))
    if any(state.ephemerals.values()):
        lines += ["Ephemeral messages (only visible to one person)", ""]
        for user_id, ephemerals in state.ephemerals.items():
            for ephemeral in ephemerals:
                where = _channel_label(state, ephemeral["channel"])
                lines.append(f"  to {_name(state, user_id)} in {where} ({ephemeral['source']})")
                lines += _message(state, ephemeral, INDENT, author=identity.bot_name)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _conversation(state: WorkspaceState, channel: Channel, title: str) -> list[str]:
    lines = [title]
    top = channel.top_level()
    if not top:
        lines.append("  (no messages)")
    for message in top:
        lines += _message(state, message, "  ")
        if not is_reply(message):
            for reply in channel.thread(message["ts"])[1:]:
                lines += _message(state, reply, "  " + INDENT + "| ")
    return [*lines, ""]


def _channel_title(state: WorkspaceState, channel: Channel) -> str:
    notes = [channel.id]
    if channel.kind == "private":
        notes.append("private")
    if state.identity.bot_user_id not in channel.members:
        notes.append(f"{state.identity.bot_name} not a member")
    if channel.is_archived:
        notes.append("archived")
    title = f"#{channel.name} ({', '.join(notes)})"
    if channel.topic["value"]:
        title += f" topic: {channel.topic['value']}"
    return title


def _dm_title(state: WorkspaceState, channel: Channel) -> str:
    people = [_name(state, m) for m in channel.members if m != state.identity.bot_user_id]
    return f"{state.identity.bot_name} <-> {', '.join(people)} ({channel.id})"


def _channel_label(state: WorkspaceState, channel_id: str) -> str:
    channel = state.channels.get(channel_id)
    if channel is None:
        return channel_id
    return f"#{channel.name}" if channel.kind in ("public", "private") else _dm_title(state, channel)


def _message(state: WorkspaceState, message: dict[str, Any], indent: str, author: str | None = None) -> list[str]:
    when = datetime.fromtimestamp(float(message["ts"]), UTC).strftime("%H:%M:%S")
    author = author or _author(state, message)
    body = _body(state, message) or ["(empty)"]
    edited = " (edited)" if "edited" in message else ""
    lines = [f"{indent}[{when}] {author}: {body[0]}{edited}"]
    pad = indent + " " * (len(when) + 3)
    lines += [pad + line for line in body[1:]]
    for reaction in message.get("reactions", []):
        who = ", ".join(_name(state, u) for u in reaction["users"])
        lines.append(f"{pad}:{reaction['name']}: {who}")
    if message.get("pinned_to"):
        lines.append(f"{pad}(pinned)")
    return lines


def _author(state: WorkspaceState, message: dict[str, Any]) -> str:
    if message.get("subtype") == "bot_message":
        return f"{message.get('username') or message.get('bot_id')} (bot)"
    name = _name(state, message.get("user", ""))
    return f"{name} (bot)" if message.get("bot_id") else name


def _name(state: WorkspaceState, user_id: str) -> str:
    user = state.users.get(user_id)
    return user["name"] if user else user_id


def _body(state: WorkspaceState, message: dict[str, Any]) -> list[str]:
    blocks = [b for b in message.get("blocks", []) if b.get("type") != "rich_text"]
    lines = _blocks(state, blocks) if blocks else _text(state, message.get("text", ""))
    for attachment in message.get("attachments", []):
        lines += ["> " + line for line in _attachment(state, attachment)]
    return lines


def _blocks(state: WorkspaceState, blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines += [f"*{t}*" for t in _text(state, block["text"]["text"])]
        elif kind == "section":
            lines += _text(state, (block.get("text") or {}).get("text", ""))
            lines += [line for field in block.get("fields", []) for line in _text(state, field["text"])]
            if (block.get("accessory") or {}).get("type") == "button":
                lines.append(_button(block["accessory"]))
        elif kind == "context":
            lines.append(" | ".join(" ".join(_text(state, e.get("text", ""))) for e in block["elements"]))
        elif kind == "actions":
            lines.append(" ".join(_button(e) if e.get("type") == "button" else f"[{e.get('type')}]"
                                  for e in block["elements"]))
        elif kind == "divider":
            lines.append("---")
    return lines


def _button(button: dict[str, Any]) -> str:
    return f"[{button['text']['text']}]"


def _attachment(state: WorkspaceState, attachment: dict[str, Any]) -> list[str]:
    lines = []
    if attachment.get("title"):
        lines.append(f"*{attachment['title']}*")
    lines += _text(state, attachment.get("text", ""))
    lines += [f"{f.get('title', '')}: {f.get('value', '')}" for f in attachment.get("fields", [])]
    lines += _blocks(state, attachment.get("blocks", []))
    return lines or _text(state, attachment.get("fallback", ""))


def _group_handle(state: WorkspaceState, group_id: str) -> str:
    return str((state.usergroups.get(group_id) or {}).get("handle") or group_id)


def _text(state: WorkspaceState, text: str) -> list[str]:
    """Slack markup made readable: mentions by name, links as `label (url)`."""

    def readable(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (label or _name(state, target[1:]))
        if target.startswith("#"):
            channel = state.channels.get(target[1:])
            return "#" + (label or (channel.name if channel else target[1:]))
        if target.startswith("!subteam^"):
            return label or "@" + _group_handle(state, target.removeprefix("!subteam^"))
        if target.startswith("!date^"):
            return label or target  # the fallback text Slack shows clients that cannot format dates
        if target.startswith("!"):
            return "@" + target[1:]
        return f"{label} ({target})" if label else target

    return [line for line in _LINK.sub(readable, text).splitlines() if line.strip()]
