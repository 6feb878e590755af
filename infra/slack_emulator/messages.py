"""What a stored Slack message looks like, depending on who posted it."""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bot:
    """An app or integration in the workspace: a `B…` bot with its bot user `U…` and app `A…`."""

    bot_id: str
    user_id: str
    app_id: str
    name: str
    team_id: str
    created: int

    def profile(self) -> dict[str, Any]:
        """The `bot_profile` Slack attaches to messages from modern app bots."""
        return {
            "id": self.bot_id,
            "deleted": False,
            "name": self.name,
            "updated": self.created,
            "app_id": self.app_id,
            "icons": {size: f"https://a.slack-edge.com/80588/img/plugins/app/bot_{size[6:]}.png"
                      for size in ("image_36", "image_48", "image_72")},
            "team_id": self.team_id,
        }


@dataclass(frozen=True)
class Poster:
    """Who posts a message; decides the message's shape.

    `user`: a person (`user`, `team`, `client_msg_id`, rich_text blocks). `legacy_bot`: an
    integration posting as subtype `bot_message` with `bot_id` + `username` and no `user`.
    `app_bot`: a modern app with `user` + `bot_id` + `app_id` + `bot_profile` and no subtype.
    """

    kind: str
    user_id: str | None = None
    team_id: str | None = None
    bot: Bot | None = None


def person(user: dict[str, Any]) -> Poster:
    """A human user posting."""
    return Poster(kind="user", user_id=user["id"], team_id=user["team_id"])


def legacy_bot(bot: Bot) -> Poster:
    """A bot posting the legacy way (incoming webhook, `bot_message` subtype)."""
    return Poster(kind="legacy_bot", bot=bot)


def app_bot(bot: Bot) -> Poster:
    """A bot posting as a modern app bot user."""
    return Poster(kind="app_bot", user_id=bot.user_id, team_id=bot.team_id, bot=bot)


def compose(
    poster: Poster,
    *,
    text: str | None,
    blocks: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    broadcast: bool = False,
) -> dict[str, Any]:
    """A new message (without `ts`, which the channel assigns when storing it)."""
    message: dict[str, Any] = {"type": "message", "text": text or ""}
    message |= _poster_fields(poster)
    if blocks:
        message["blocks"] = with_block_ids(blocks)
    elif poster.kind == "user" and text:
        # Slack's clients send what people type as rich_text as well as text.
        message["blocks"] = [_rich_text(text)]
    if attachments:
        message["attachments"] = numbered(attachments)
    if thread_ts:
        message["thread_ts"] = thread_ts
        if broadcast and poster.kind != "legacy_bot":
            message["subtype"] = "thread_broadcast"
    return message


def _poster_fields(poster: Poster) -> dict[str, Any]:
    if poster.kind == "user":
        return {"user": poster.user_id, "team": poster.team_id, "client_msg_id": str(uuid.uuid4())}
    assert poster.bot is not None
    if poster.kind == "legacy_bot":
        return {"subtype": "bot_message", "bot_id": poster.bot.bot_id, "username": poster.bot.name}
    return {
        "user": poster.bot.user_id,
        "bot_id": poster.bot.bot_id,
        "app_id": poster.bot.app_id,
        "team": poster.bot.team_id,
        "bot_profile": poster.bot.profile(),
    }


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the blocks, each with a `block_id` (Slack invents one when the app gives none)."""
    result = []
    for index, original in enumerate(blocks):
        block = copy.deepcopy(original)
        if "block_id" not in block:
            digest = hashlib.sha1(f"{index}:{json.dumps(block, sort_keys=True)}".encode()).digest()
            block["block_id"] = base64.b32encode(digest).decode()[:5]
        result.append(block)
    return result


def numbered(attachments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the attachments with the `id` Slack gives each one."""
    return [{**copy.deepcopy(a), "id": index + 1} for index, a in enumerate(attachments)]


_MARKUP = re.compile(r"<([^<>]*)>")


def _rich_text(text: str) -> dict[str, Any]:
    """The rich_text copy of `text` (mrkdwn) a client sends: text elements as typed (no entities), and each
    <…> of the text as its element - a link, a person, a channel, a group, a broadcast."""
    elements: list[dict[str, Any]] = []
    at = 0
    for markup in _MARKUP.finditer(text):
        if markup.start() > at:
            elements.append({"type": "text", "text": html.unescape(text[at:markup.start()])})
        elements.append(_rich_element(markup[1]))
        at = markup.end()
    if at < len(text):
        elements.append({"type": "text", "text": html.unescape(text[at:])})
    return {
        "type": "rich_text",
        "block_id": base64.b32encode(hashlib.sha1(text.encode()).digest()).decode()[:5],
        "elements": [{"type": "rich_text_section", "elements": elements}],
    }


def _rich_element(markup: str) -> dict[str, Any]:
    """One <…> of mrkdwn as a rich_text element (docs.slack.dev/reference/block-kit/blocks/rich-text-block)."""
    target, _, label = markup.partition("|")
    if target.startswith("@"):
        return {"type": "user", "user_id": target[1:]}
    if target.startswith("#"):
        return {"type": "channel", "channel_id": target[1:]}
    if target.startswith("!subteam^"):
        return {"type": "usergroup", "usergroup_id": target.removeprefix("!subteam^")}
    if target in ("!here", "!channel", "!everyone"):
        return {"type": "broadcast", "range": target[1:]}
    if target.startswith("!"):  # a date (`<!date^…|fallback>`): its fallback text
        return {"type": "text", "text": html.unescape(label or target)}
    return {"type": "link", "url": target, **({"text": html.unescape(label)} if label else {})}


def permalink(team_domain: str, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """The message's URL, as chat.getPermalink gives it."""
    link = f"https://{team_domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link
