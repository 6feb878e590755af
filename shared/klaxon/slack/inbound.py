"""Slack event payloads turned into domain messages, once, at the edge.

Monitoring bots put most of what matters in attachments and blocks, so the matchable text gathers
the message text, every attachment's pretext/title/text/fields/fallback and the text of every block,
without a part that only repeats what is already there (a client sends the same text as `text` and
as a rich_text block; an attachment's fallback usually repeats its title).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from klaxon.messages import ChannelMessage

# Subtypes that carry something a person or a bot said; everything else (joins, topic changes,
# deletions, `message_replied` notices) is ignored.
_SAID = {None, "bot_message", "thread_broadcast", "file_share", "me_message"}
_BROADCASTS = {"<!here>": "@here", "<!channel>": "@channel", "<!everyone>": "@everyone"}


def channel_message(event: Mapping[str, Any]) -> ChannelMessage | None:
    """The message an event carries, or None when it is not something said (a deletion, a join).

    An edit (`message_changed`) is judged on its new text, marked `edited`; a message that did not
    change its text (an unfurl, a reaction count) is not judged again.
    """
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _edited(event)
    if subtype not in _SAID or not event.get("channel") or not event.get("ts"):
        return None
    return _said(event, str(event["channel"]), str(event["ts"]))


def _edited(event: Mapping[str, Any]) -> ChannelMessage | None:
    new, old = event.get("message") or {}, event.get("previous_message") or {}
    if new.get("subtype") not in _SAID or gathered_text(new) == gathered_text(old):
        return None
    ts = new.get("ts") or old.get("ts")
    if not ts or not event.get("channel"):
        return None
    said = _said(new, str(event["channel"]), str(ts))
    return ChannelMessage(**{**said.__dict__, "edited": True}) if said else None


def _said(message: Mapping[str, Any], channel: str, ts: str) -> ChannelMessage | None:
    poster = message.get("user") or message.get("bot_id")
    if not poster:
        return None
    profile = message.get("bot_profile") or {}
    return ChannelMessage(
        channel=channel,
        ts=ts,
        poster=str(poster),
        text=gathered_text(message),
        poster_name=str(message.get("username") or profile.get("name") or ""),
        thread_ts=message.get("thread_ts"),
        bot_id=message.get("bot_id"),
    )


def gathered_text(message: Mapping[str, Any]) -> str:
    """Text, attachments and blocks as one string, still in Slack's markup (valid to repost)."""
    parts: list[str] = []
    for part in _parts(message):
        part = part.strip()
        # A fallback or a rich_text copy usually repeats what is already there: keep it only if new.
        if part and not any(part in kept for kept in parts):
            parts.append(part)
    return "\n".join(parts)


def quiet_broadcasts(text: str) -> str:
    """Text safe to repost: @here/@channel/@everyone shown as words, so a repost never pings a room."""
    for markup, word in _BROADCASTS.items():
        text = text.replace(markup, word)
    return text


def _parts(message: Mapping[str, Any]) -> Iterable[str]:
    yield str(message.get("text") or "")
    for attachment in message.get("attachments") or ():
        for key in ("pretext", "author_name", "title", "text"):
            yield str(attachment.get(key) or "")
        for attached_field in attachment.get("fields") or ():
            yield f"{attached_field.get('title', '')}: {attached_field.get('value', '')}".strip(": ")
        yield from _block_texts(attachment.get("blocks") or ())
        yield str(attachment.get("fallback") or "")
        yield str(attachment.get("footer") or "")
    yield from _block_texts(message.get("blocks") or ())


def _block_texts(blocks: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for block in blocks:
        kind = block.get("type")
        if kind in ("section", "header"):
            yield _text_object(block.get("text"))
            for section_field in block.get("fields") or ():
                yield _text_object(section_field)
        elif kind == "context":
            yield " ".join(_text_object(e) for e in block.get("elements") or () if e.get("type") != "image")
        elif kind == "rich_text":
            yield "".join(_rich_text(block.get("elements") or ()))


def _text_object(text: Any) -> str:
    return str(text.get("text") or "") if isinstance(text, Mapping) else ""


def _rich_text(elements: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for element in elements:
        kind = element.get("type")
        if kind == "text":
            yield str(element.get("text") or "")
        elif kind == "link":
            yield str(element.get("text") or element.get("url") or "")
        elif kind == "user":
            yield f"<@{element.get('user_id', '')}>"
        elif kind == "channel":
            yield f"<#{element.get('channel_id', '')}>"
        elif kind == "emoji":
            yield f":{element.get('name', '')}:"
        elif "elements" in element:  # sections, lists, quotes and preformatted blocks nest
            yield from _rich_text(element["elements"])
            yield "\n"
