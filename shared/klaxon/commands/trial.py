"""What `/klaxon rule test` tries the rules on: typed text, a pasted message's JSON, or a message by its link.

A link or JSON is read exactly as a watched message is (klaxon.alerts.gathering, klaxon.slack.inbound's rules),
so the text shown is the text rules match, and the user sees why a rule does or does not take it.

Formats: Slack message links are `https://<team>.slack.com/archives/<channel>/p<ts without the dot>`,
with `?thread_ts=<ts>&cid=<channel>` for a thread reply (chat.getPermalink). With escaping on, Slack sends
a pasted link in command text as `<https://…>` (or `<https://…|label>`) and escapes &, < and > in the rest,
so a pasted JSON is unescaped once before it is parsed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from klaxon.alerts.gathering import gathered_text
from klaxon.alerts.messages import ChannelMessage, moment_of, slack_ts
from klaxon.ports import MessageReader, MessageUnavailable
from klaxon.rules.ims_import import ims_message_text
from klaxon.rules.patterns import quote

_LINK = re.compile(r"<?(https://[^\s/|>]+/archives/([CGD][A-Z0-9]+)/p(\d{10})(\d{6})(?:\?([^\s|>]*))?)(?:\|[^>]*)?>?")


class TrialRefused(Exception):
    """The message to test could not be read; the text says why and what to do, for the person who asked."""


@dataclass(frozen=True)
class Trial:
    """A message to try the rules on, and where it came from (said in the reply)."""

    message: ChannelMessage
    source: str


def trial(text: str, *, channel: str, actor: str, now: datetime, reader: MessageReader | None) -> Trial:
    """The message `/klaxon rule test <text>` means: the linked message, the pasted JSON, or the text itself.

    Raises TrialRefused when a link cannot be read or a JSON is not a message.
    """
    stripped = text.strip()
    link = _LINK.fullmatch(stripped)
    if link:
        return _linked(link, reader, actor)
    if stripped.startswith("{"):
        return _pasted(stripped, channel, actor, now)
    said = ChannelMessage(channel=channel, ts=slack_ts(now), poster=actor, text=text, said_at=now)
    return Trial(said, f"as if you posted it in <#{channel}> now")


def _linked(link: re.Match[str], reader: MessageReader | None, actor: str) -> Trial:
    url, channel, seconds, micros, query = link.groups()
    ts = f"{seconds}.{micros}"
    thread_ts = (parse_qs(query or "").get("thread_ts") or [None])[0]
    if reader is None:
        raise TrialRefused("reading a message by its link is not available here; paste its text or JSON instead")
    try:
        found = reader.read_message(channel, ts, thread_ts if thread_ts != ts else None)
    except MessageUnavailable as why:
        raise TrialRefused(_unavailable(why, channel)) from None
    if found is None:
        raise TrialRefused(f"there is no message at {url} (deleted, or the link is not to a message)")
    message = _message(found, channel, ts, actor)
    return Trial(message, f"the message at <{url}|this link>, at the time it was posted")


def _pasted(text: str, channel: str, actor: str, now: datetime) -> Trial:
    try:
        data = json.loads(html.unescape(text))
    except ValueError as error:
        raise TrialRefused(f"that is not valid JSON ({error}); paste a message's JSON as Slack sends it, "
                           "or a link to the message") from None
    found = _message_in(data)
    if found is None:
        raise TrialRefused("that JSON is not a Slack message: paste a message object (with text, blocks or "
                           "attachments), its event, or the event_callback around it")
    said_at = moment_of(found.get("ts"))
    message = _message(found, channel, slack_ts(said_at or now), actor)
    return Trial(message, f"the pasted message, as if posted in <#{channel}>"
                          + (" at its ts" if said_at else " now"))


def _message_in(data: Any) -> Mapping[str, Any] | None:
    """The message in a pasted message object, event, `message_changed` event or event_callback envelope."""
    for _ in range(3):  # envelope → event → message_changed's new message
        if not isinstance(data, Mapping):
            return None
        if isinstance(data.get("event"), Mapping):
            data = data["event"]
        elif data.get("subtype") == "message_changed" and isinstance(data.get("message"), Mapping):
            data = data["message"]
        else:
            break
    if not isinstance(data, Mapping) or not any(key in data for key in ("text", "blocks", "attachments")):
        return None
    return data


def _message(found: Mapping[str, Any], channel: str, ts: str, actor: str) -> ChannelMessage:
    poster = next((found[key] for key in ("user", "bot_id") if isinstance(found.get(key), str)), actor)
    bot_id = found.get("bot_id") if isinstance(found.get("bot_id"), str) else None
    return ChannelMessage(channel=channel, ts=ts, poster=poster, text=gathered_text(found), bot_id=bot_id,
                          said_at=moment_of(ts), ims_text=ims_message_text(found))


def _unavailable(why: MessageUnavailable, channel: str) -> str:
    match why.error:
        case "not_in_channel":
            return f"Klaxon is not in <#{channel}>, so it cannot read that message: invite it there " \
                   "(`/invite @Klaxon`) and try again, or paste the message's JSON"
        case "channel_not_found":
            return f"Klaxon cannot see <#{channel}> (a private channel it is not in, or one deleted): invite it " \
                   "there and try again, or paste the message's JSON"
        case "ratelimited":
            return "Slack lets Klaxon read channel history only about once a minute: try again in " \
                   f"{max(1, round(why.retry_after or 60))} s, or paste the message's JSON"
        case "missing_scope":
            return "Klaxon lacks the scope to read that channel's history (channels:history, groups:history): " \
                   "an admin adds it to the Slack app and reinstalls it"
    return f"Slack would not give Klaxon that message ({quote(why.error)}); paste its JSON instead"
