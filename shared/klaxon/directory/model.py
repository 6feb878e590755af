"""The workspace's directory as Klaxon keeps it: who and what a typed `@name` or `#name` means.

Slack resolves what a person picks from the autocomplete (`<@U…>`, `<!subteam^S…>`, `<#C…>`); what they
type without it arrives as plain text. Looking such a name up in Slack means listing the whole workspace
(users.list is Tier 2, about 20 calls a minute, at most 1,000 members a call: 20 calls for 20,000 people),
which no command can afford. So the sweep copies the directory into DynamoDB in the background, a few
pages a minute (klaxon.directory.refresh), and a command looks a name up in that copy.

A `Listing` is one person, user group or channel with every name it goes by; `index` turns a refresh's
listings into the name → listing map lookups read, with Slack's own precedence for names that clash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Person:
    """A workspace member (or a bot's user), as the directory knows them."""

    id: str
    name: str
    bot_id: str | None = None  # set for a bot's user: its messages may arrive under this id instead
    tz: str = "UTC"


class ListingKind(StrEnum):
    PERSON = "person"
    GROUP = "group"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Listing:
    """One person, user group or channel of the workspace, with every name it goes by.

    A person's names are their username, display name and real name (users.list's `name`,
    `profile.display_name`, `profile.real_name`); a group's its handle; a channel's its name.
    """

    kind: ListingKind
    id: str
    names: tuple[str, ...]
    bot_id: str | None = None
    tz: str = "UTC"

    @property
    def person(self) -> Person:
        """The listing as a Person (its first name, the username, is what Klaxon calls them)."""
        return Person(id=self.id, name=self.names[0], bot_id=self.bot_id, tz=self.tz)


def name_key(kind: ListingKind, name: str) -> str:
    """The key a name is found under: people and user groups share `@` (a typed `@name` may be either),
    channels have `#`."""
    return f"#{name}" if kind is ListingKind.CHANNEL else f"@{name}"


def index(listings: Iterable[Listing]) -> dict[str, Listing]:
    """Every name → what it names, as the old per-container lists resolved clashes: a person's username
    beats someone else's display or real name, and a person beats a user group with the same handle."""
    found: dict[str, Listing] = {}
    rank: dict[str, int] = {}
    for listing in listings:
        for position, name in enumerate(listing.names):
            if not name:
                continue
            key = name_key(listing.kind, name)
            # Lower wins: a username (position 0) over other names, any person over a group.
            weight = (0 if position == 0 else 1) if listing.kind is not ListingKind.GROUP else 2
            if key not in found or weight <= rank[key]:
                found[key], rank[key] = listing, weight
    return found


class Phase(StrEnum):
    """What a refresh is listing: people, then channels, then user groups; then it is done."""

    PEOPLE = "people"
    CHANNELS = "channels"
    GROUPS = "groups"
    DONE = "done"


NEXT_PHASE = {Phase.PEOPLE: Phase.CHANNELS, Phase.CHANNELS: Phase.GROUPS, Phase.GROUPS: Phase.DONE}


@dataclass(frozen=True)
class Refresh:
    """A refresh of the directory under way (or done), kept between sweeps so the next one resumes it.

    `cursor` is Slack's `next_cursor` for the phase's next page; `pages` counts the pages staged so far (it
    is also the refresh's version: a sweep may stage a page only if nobody staged one since it looked).
    """

    generation: str
    started_at: datetime
    phase: Phase = Phase.PEOPLE
    cursor: str | None = None
    pages: int = 0
    people_pages: int = 0

    @property
    def done(self) -> bool:
        return self.phase is Phase.DONE

    def after_page(self, next_cursor: str | None) -> Refresh:
        """The refresh once a page of its phase is staged: the next page, or the next phase."""
        people_pages = self.people_pages + (self.phase is Phase.PEOPLE)
        if next_cursor:
            return replace(self, cursor=next_cursor, pages=self.pages + 1, people_pages=people_pages)
        return replace(self, phase=NEXT_PHASE[self.phase], cursor=None, pages=self.pages + 1,
                       people_pages=people_pages)


@dataclass(frozen=True)
class Snapshot:
    """The directory lookups read: which refresh built it, when, and whether one users.list page held the
    whole workspace (then a name it lacks is worth one call to Slack: someone may have joined since)."""

    generation: str
    built_at: datetime
    people_pages: int
    names: int

    @property
    def small(self) -> bool:
        return self.people_pages <= 1
