"""Channels, people and user groups named in `/klaxon` text, as Slack escapes them or as people type them.

The command is registered with escaping on, so Slack delivers what the client autocompleted as markup:

    <#C0123ABC|alerts-prod>  <#C0123ABC|>  <#C0123ABC>           a channel
    <@U0123ABC|alice>  <@U0123ABC>                               a user (W… on Enterprise Grid)
    <!subteam^S0123ABC|@ops-leads>  <!subteam^S0123ABC>          a user group
    <!here>  <!channel>  <!everyone>                             a broadcast
    <https://example.com|example.com>                            a link Slack detected

and escapes `&`, `<` and `>` in everything else as `&amp;`, `&lt;` and `&gt;`. What people type without
picking from the autocomplete (`#alerts-prod`, `@alice`, `@ops-leads`) arrives as plain text: those become
references that carry only a name, for the service to resolve by lookup.

The model: a `ChannelRef` names a channel; a `MentionRef` names who is notified or who posts, and its
`kind` says what it is known to be. A plain `@name` could be a person or a user group (or, in a poster
scope, a bot), so it is `MentionKind.EITHER` until the service looks the name up.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from klaxon.markup import unescaped

BROADCASTS = frozenset({"here", "channel", "everyone"})

_MARKUP = re.compile(r"<([^<>]*)>")
_CHANNEL_MARKUP = re.compile(r"#([CGD][A-Z0-9]+)(?:\|([^|]*))?")
_USER_MARKUP = re.compile(r"@([UW][A-Z0-9]+)(?:\|([^|]*))?")
_GROUP_MARKUP = re.compile(r"!subteam\^(S[A-Z0-9]+)(?:\|@?([^|]*))?")
_BROADCAST_MARKUP = re.compile(r"!(here|channel|everyone)(?:\|[^|]*)?")
# Slack channel names and handles: letters (any script), digits, `-`, `_` and `.`; at most 80 characters.
_PLAIN_CHANNEL = re.compile(r"#([\w.-]{1,80})")
_PLAIN_MENTION = re.compile(r"@([\w.-]{1,80})")
_RAW_POSTER_ID = re.compile(r"[UWB][A-Z0-9]{2,}")
_SOURCE = re.compile(r"webhook:([A-Za-z0-9_-]+)", re.IGNORECASE)


class MentionKind(StrEnum):
    """What a mention is known to be."""

    USER = "user"  # <@U…>: a person, or a bot's user
    GROUP = "group"  # <!subteam^S…>: a user group
    BOT = "bot"  # B…: a bot id, as a poster scope names integrations that post without a user
    SOURCE = "source"  # webhook:<source>: a monitoring source, as a poster scope names webhook alerts
    BROADCAST = "broadcast"  # <!here>, <!channel>, <!everyone>, or typed @here
    # A plain @name Slack did not resolve: a user or a user group (a user or a bot in a poster scope),
    # found by name when the command runs.
    EITHER = "either"


@dataclass(frozen=True)
class ChannelRef:
    """A channel, by id (from Slack's markup, possibly with its name) or by a typed name only."""

    id: str | None
    name: str | None = None

    def __post_init__(self) -> None:
        if not (self.id or self.name):
            raise ValueError("a channel reference needs an id or a name")

    def readable(self) -> str:
        """`#alerts-prod`, or `#C0123ABC` when Slack sent no name."""
        return f"#{self.name or self.id}"


@dataclass(frozen=True)
class MentionRef:
    """Someone to notify or a poster: a user, user group, bot or broadcast, by id or by a typed name.

    A broadcast has no id; its name is `here`, `channel` or `everyone`. An `EITHER` mention has only a name.
    """

    kind: MentionKind
    id: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.kind is MentionKind.BROADCAST and (self.id or self.name not in BROADCASTS):
            raise ValueError("a broadcast is here, channel or everyone, without an id")
        if self.kind is MentionKind.EITHER and (self.id or not self.name):
            raise ValueError("a mention known by name has a name and no id")
        if self.kind in (MentionKind.USER, MentionKind.GROUP, MentionKind.BOT, MentionKind.SOURCE) and not self.id:
            raise ValueError(f"a {self.kind} mention needs an id")

    @property
    def target(self) -> str | None:
        """What a rule stores (U…, S…, B…, or here/channel/everyone); None while it is known only by name."""
        if self.kind is MentionKind.BROADCAST:
            return self.name
        return self.id

    def readable(self) -> str:
        """`@alice`, `@ops-leads`, `@here`, or `@U0123ABC` when Slack sent no name."""
        return f"@{self.name or self.id}"


Reference = ChannelRef | MentionRef


def channel_ref(word: str) -> ChannelRef | None:
    """The channel one word names (`<#C…|name>` or `#name`), or None."""
    markup = _MARKUP.fullmatch(word)
    if markup:
        found = _CHANNEL_MARKUP.fullmatch(markup[1])
        return ChannelRef(found[1], found[2] or None) if found else None
    plain = _PLAIN_CHANNEL.fullmatch(word)
    return ChannelRef(None, plain[1]) if plain else None


def mention_ref(word: str) -> MentionRef | None:
    """The user, user group or broadcast one word names (Slack's markup or a typed `@name`), or None."""
    markup = _MARKUP.fullmatch(word)
    if markup:
        found = _markup_reference(markup[1])
        return found if isinstance(found, MentionRef) else None
    plain = _PLAIN_MENTION.fullmatch(word)
    if not plain:
        return None
    if plain[1].lower() in BROADCASTS:
        return MentionRef(MentionKind.BROADCAST, name=plain[1].lower())
    return MentionRef(MentionKind.EITHER, name=plain[1])


def poster_ref(word: str) -> MentionRef | None:
    """A poster one word names: a mention, a bare user or bot id such as `B0123ABC`, or a monitoring source
    such as `webhook:generic`; None otherwise."""
    source = _SOURCE.fullmatch(word)
    if source:
        return MentionRef(MentionKind.SOURCE, id=f"webhook:{source[1].lower()}")
    if _RAW_POSTER_ID.fullmatch(word):
        return MentionRef(MentionKind.BOT if word.startswith("B") else MentionKind.USER, id=word)
    return mention_ref(word)


def first_reference_markup(text: str) -> Reference | None:
    """The first channel or mention in Slack's markup inside `text` (links do not count), or None."""
    for markup in _MARKUP.finditer(text):
        found = _markup_reference(markup[1])
        if found is not None:
            return found
    return None


def plain_text(text: str, references: Literal["readable", "ids"] = "readable") -> str:
    """Slack's escaped text as the person typed it: links become the text typed, entities characters.

    Channels and mentions become `#name` / `@name` ("readable"), or the ids rules store ("ids"), so
    pasted rule files keep working when Slack links the channel names inside them.
    """
    return unescaped(_MARKUP.sub(lambda markup: _render(markup[1], references), text))


def _render(markup: str, references: Literal["readable", "ids"]) -> str:
    found = _markup_reference(markup)
    if found is None:
        # A link (`url|typed text` or `url`) or a date (`!date^…|fallback`): what was typed is after the bar.
        return markup.rpartition("|")[2] or markup
    if references == "ids":
        return (found.id if isinstance(found, ChannelRef) else found.target) or found.readable()
    return found.readable()


def _markup_reference(markup: str) -> Reference | None:
    channel = _CHANNEL_MARKUP.fullmatch(markup)
    if channel:
        return ChannelRef(channel[1], channel[2] or None)
    user = _USER_MARKUP.fullmatch(markup)
    if user:
        return MentionRef(MentionKind.USER, id=user[1], name=user[2] or None)
    group = _GROUP_MARKUP.fullmatch(markup)
    if group:
        return MentionRef(MentionKind.GROUP, id=group[1], name=group[2] or None)
    broadcast = _BROADCAST_MARKUP.fullmatch(markup)
    if broadcast:
        return MentionRef(MentionKind.BROADCAST, name=broadcast[1])
    return None
