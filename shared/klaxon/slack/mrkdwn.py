"""Slack mrkdwn that notifies nobody it was not meant to (cutting text to fit: klaxon.gathering.truncate).

Notifying markup (docs.slack.dev/messaging/formatting-message-text#mentioning-users and
#mentioning-groups): `<!here>`, `<!channel>`, `<!everyone>` (and the legacy `<!group>`), each also with
a label (`<!here|here>`, `<!here|@here>`); user groups `<!subteam^S0123>` or `<!subteam^S0123|@oncall>`;
people and bots `<@U0123>` or `<@U0123|alice>`. Other `<!…>` commands (`<!date^…>`) notify nobody.
"""

from __future__ import annotations

import re
from datetime import datetime

_NOTIFYING = re.compile(r"<(?:!(here|channel|everyone|group)|!subteam\^([^<>|]*)|@([^<>|]*))(?:\|([^<>]*))?>")
# What could still open a mention once the well-formed ones are gone (`<<@U1>>` leaves `<@U1>`, and
# `<@U2|x<@U1>>` leaves `<@U2|x@U1>`): shown as text, never as markup.
_OPENER = re.compile(r"<(?=@|!(?:here|channel|everyone|group|subteam\^))")


def unmentioned(text: str) -> str:
    """Text safe to repost: every mention that would notify shown as a readable `@name`, notifying nobody.

    The label Slack gives a mention is used when there is one (`<!subteam^S1|@oncall>` → `@oncall`),
    else the broadcast's word or the id (`<!here>` → `@here`, `<@U0003>` → `@U0003`).
    """
    return _OPENER.sub("&lt;", _NOTIFYING.sub(_readable, text))


def quieted(text: str) -> str:
    """Stored text shown without broadcasting: `@here`, `@channel`, `@everyone` and user groups shown as
    readable `@names` that notify nobody; people stay mentions (an edit or a post that mentions them anew is
    what the person who wrote it meant)."""
    return _NOTIFYING.sub(lambda found: found[0] if found[3] is not None else _readable(found), text)


def _readable(found: re.Match[str]) -> str:
    broadcast, group, person, label = found.groups()
    name = (label or "").strip().lstrip("@") or broadcast or group or person or "someone"
    return f"@{name}"


# `<…>` that is not Slack's markup (a person, channel, group, broadcast, date or link): a placeholder in a usage
# line such as `update <text>`, which Slack would otherwise take for a link and show mangled.
_PLACEHOLDER = re.compile(r"<(?![@#!]|https?://|mailto:)([^<>]*)>")


def placeholders_shown(text: str) -> str:
    """Text whose `<placeholders>` (usage lines) are shown as typed, Slack's own markup left working."""
    return _PLACEHOLDER.sub(r"&lt;\1&gt;", text)


def quote(text: str) -> str:
    """Text as a block quote, each line prefixed as mrkdwn wants."""
    return "\n".join(f">{line}" for line in text.splitlines() or [""])


def slack_date(moment: datetime) -> str:
    """A timestamp each reader sees in their own time zone, with a UTC fallback for old clients."""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def mention(target: str) -> str:
    """Markup that notifies a user (U…/W…), a user group (S…) or a room (here, channel, everyone)."""
    if target in ("here", "channel", "everyone"):
        return f"<!{target}>"
    if target.startswith("S"):
        return f"<!subteam^{target}>"
    return f"<@{target}>"
