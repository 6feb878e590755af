"""Messages Klaxon watches, reduced to what rules judge."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class ChannelMessage:
    """A message posted in a watched channel, by a person or a monitoring bot.

    `text` is everything a rule may match, as klaxon.alerts.gathering gathers it from the message's text,
    blocks and attachments, in Slack's markup (so it can be reposted as it is). `poster` is a user id,
    or a bot id for integrations that post without a user (the legacy `bot_message` subtype).
    `said_at` is when it was said: its ts, or the time of the edit for an edited message (None: now).
    """

    channel: str
    ts: str
    poster: str
    text: str
    poster_name: str = ""
    thread_ts: str | None = None
    edited: bool = False
    bot_id: str | None = None
    said_at: datetime | None = None
    ims_text: str | None = None  # what IMS matched (klaxon.rules.ims_import.ims_message_text), for IMS rules

    @property
    def plain_text(self) -> str:
        """The text as people read it: Slack escapes &, < and > as entities; rules match this."""
        return html.unescape(self.text) if "&" in self.text else self.text

    @property
    def is_thread_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def poster_ids(self) -> tuple[str, ...]:
        """Every id the poster goes by: an app bot posts as its user and as its bot at once."""
        return (self.poster, self.bot_id) if self.bot_id and self.bot_id != self.poster else (self.poster,)

    def by(self, *ids: str | None) -> bool:
        """True when the poster (user or bot id) is one of `ids`."""
        wanted = {i for i in ids if i}
        return self.poster in wanted or (self.bot_id is not None and self.bot_id in wanted)

    def moment(self, now: datetime) -> datetime:
        """When the message was said, which every decision about it uses (windows, grouping, its alert's times).

        Slack retries an event for minutes and Lambda retries its asynchronous work for longer, so the
        moment of handling is not the moment of saying. A ts later than `now` is a clock's skew: now.
        """
        return min(self.said_at, now) if self.said_at else now


def slack_ts(moment: datetime) -> str:
    """A Slack-style ts string for a moment (used for synthetic messages such as webhook alerts)."""
    return f"{moment.timestamp():.6f}"


def moment_of(ts: object) -> datetime | None:
    """The moment a Slack ts (`"1700000000.000100"`, seconds since the epoch, UTC) stands for; None if it is not one."""
    if not isinstance(ts, str):
        return None
    try:
        seconds = float(ts)
    except ValueError:
        return None
    if not math.isfinite(seconds) or not 0 < seconds < 32_503_680_000:  # before the year 3000
        return None
    return datetime.fromtimestamp(seconds, UTC)
