"""Slack message events turned into domain messages, once, at the edge.

Events API `message` events (docs.slack.dev/reference/events/message and its subtypes): what was said
is gathered by klaxon.alerts.gathering, the one reader of a message's content. Any JSON is accepted: an event
that cannot be a message someone said (no channel, no ts, no poster, a join, a deletion) is None, and
nothing here raises, so such an event is acknowledged and dropped instead of failing the lazy work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger

from klaxon.alerts.gathering import clean, gathered_text
from klaxon.alerts.messages import ChannelMessage, moment_of
from klaxon.rules.ims_import import ims_message_text

logger = Logger(child=True)

# Subtypes that carry something a person or a bot said; everything else (joins, topic changes,
# deletions, `message_replied` notices) is ignored.
_SAID = {None, "bot_message", "thread_broadcast", "file_share", "me_message"}
MAX_NAME = 200  # Slack's names are far shorter; a longer one is not a name


def channel_message(event: object) -> ChannelMessage | None:
    """The message an event carries, or None when it is not something said (a deletion, a join).

    An edit (`message_changed`) is judged on its new text, marked `edited`, at the time of the edit; a
    change that leaves what the author wrote as it was (Slack unfurling a link, a reaction count, a
    thread's reply count) is not judged again.
    """
    if not isinstance(event, Mapping):
        return None
    subtype = _subtype(event)
    if subtype == "message_changed":
        return _edited(event)
    if subtype not in _SAID:
        return None
    return _said(event, event.get("channel"), event.get("ts"))


def _edited(event: Mapping[str, Any]) -> ChannelMessage | None:
    new, old = _mapping(event.get("message")), _mapping(event.get("previous_message"))
    if _subtype(new) not in _SAID or gathered_text(new) == gathered_text(old):
        return None
    said = _said(new, event.get("channel"), new.get("ts") or old.get("ts"))
    if said is None:
        return None
    # Judged when it was edited: the edit's own ts (Slack's `edited.ts`), else the event's.
    edited_at = moment_of(_mapping(new.get("edited")).get("ts")) or moment_of(event.get("ts"))
    return replace(said, edited=True, said_at=edited_at or said.said_at)


def _said(message: Mapping[str, Any], channel: object, ts: object) -> ChannelMessage | None:
    poster = _id(message.get("user")) or _id(message.get("bot_id"))
    channel_id, message_ts = _id(channel), _id(ts)
    if not (poster and channel_id and message_ts):
        logger.info("message event without a channel, ts or poster dropped",
                    extra={"has_channel": bool(channel_id), "has_ts": bool(message_ts), "has_poster": bool(poster)})
        return None
    # A bot's name, or a person's from the profile Slack attaches to some events: the repost names the
    # poster rather than mentioning them (a mention would notify them).
    profile = _mapping(message.get("bot_profile")) or _mapping(message.get("user_profile"))
    name = _text(message.get("username")) or _text(profile.get("display_name")) or _text(
        profile.get("real_name")) or _text(profile.get("name"))
    return ChannelMessage(
        channel=channel_id,
        ts=message_ts,
        poster=poster,
        text=gathered_text(message),
        poster_name=name[:MAX_NAME],
        thread_ts=_id(message.get("thread_ts")) or None,
        bot_id=_id(message.get("bot_id")) or None,
        said_at=moment_of(message_ts),
        ims_text=ims_message_text(message),
    )


def _subtype(message: Mapping[str, Any]) -> str | None:
    subtype = message.get("subtype")
    return subtype if isinstance(subtype, str) else None if subtype is None else "unknown"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return clean(value) if isinstance(value, str) else ""


def _id(value: object) -> str:
    """A channel, user or bot id or a ts: a short string Slack never fills with markup."""
    return _text(value).strip()[:64]
