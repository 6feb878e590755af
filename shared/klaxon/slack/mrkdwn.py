"""Slack mrkdwn text that stays valid when it is cut to fit Slack's limits."""

from __future__ import annotations

from datetime import datetime

ELLIPSIS = "…"


def truncate(text: str, limit: int, note: str = "") -> str:
    """At most `limit` characters, cut at a safe place: never inside <markup> or an &entity;."""
    if len(text) <= limit:
        return text
    suffix = f"{ELLIPSIS}{note}"
    cut = max(0, limit - len(suffix))
    opened, closed = text.rfind("<", 0, cut), text.rfind(">", 0, cut)
    if opened > closed:  # the cut falls inside a link, mention or channel reference
        cut = opened
    amp = text.rfind("&", max(0, cut - 8), cut)
    if amp != -1 and ";" not in text[amp:cut]:  # inside &amp; / &lt; / &gt;
        cut = amp
    return text[:cut].rstrip() + suffix


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
