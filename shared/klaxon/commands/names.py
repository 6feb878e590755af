"""Channel, people and group references in a command, turned into Slack ids (or a clear refusal).

What Slack resolved (picked from the autocomplete) is checked by id, at most one Slack call each; what was
typed is looked up in the directory snapshot the sweep keeps (klaxon.directory). A typed name the snapshot
does not know yet is refused with how to pick it from the autocomplete instead.
"""

from __future__ import annotations

from datetime import datetime

from klaxon.commands.references import ChannelRef, MentionKind, MentionRef
from klaxon.ports import SlackDirectory


class UnknownName(Exception):
    """A reference names nobody and nothing Klaxon can see."""


class Names:
    """Looks names up in the workspace directory for one command."""

    def __init__(self, directory: SlackDirectory) -> None:
        self._directory = directory

    def channel(self, ref: ChannelRef) -> str:
        """The channel's id; an id Slack sent is checked to exist, a typed name is looked up."""
        if ref.id:
            if not self._directory.channel_exists(ref.id):
                raise UnknownName(f"there is no channel {ref.readable()} Klaxon can see")
            return ref.id
        found = self._directory.channel_named(str(ref.name))
        if found is None:
            raise UnknownName(f"there is no channel {ref.readable()} Klaxon can see "
                              "(for a private channel, invite Klaxon first: `/invite @klaxon`)"
                              + self._not_yet("#", "the channel"))
        return found

    def posters(self, ref: MentionRef) -> tuple[str, ...]:
        """Every id a poster goes by: a bot's user also posts under its bot id."""
        if ref.id and ref.kind is not MentionKind.USER:
            return (ref.id,)
        person = self._directory.person(ref.id) if ref.id else self._directory.person_named(str(ref.name))
        if person is None:
            if ref.id:
                return (ref.id,)
            raise UnknownName(f"nobody called @{ref.name} posts in this workspace" + self._not_yet("@", "them"))
        return (person.id, person.bot_id) if person.bot_id else (person.id,)

    def notified(self, ref: MentionRef) -> str:
        """The id (or `here`/`channel`/`everyone`) a hotline or escalation level notifies."""
        if ref.kind is MentionKind.BROADCAST:
            return str(ref.name)
        if ref.id:
            return ref.id
        person = self._directory.person_named(str(ref.name))
        found = person.id if person else self._directory.group_named(str(ref.name))
        if found is None:
            raise UnknownName(f"there is no person or user group @{ref.name} in this workspace"
                              + self._not_yet("@", "them"))
        return found

    def person(self, ref: MentionRef) -> str:
        """A person's id: Slack's markup gives it; a typed @name is looked up (a user group is not a person)."""
        if ref.id and ref.kind is MentionKind.USER:
            return ref.id
        if ref.kind not in (MentionKind.USER, MentionKind.EITHER):
            raise UnknownName(f"{ref.readable()} is not a person")
        found = self._directory.person_named(str(ref.name))
        if found is None:
            raise UnknownName(f"there is nobody called {ref.readable()} in this workspace" + self._not_yet("@", "them"))
        return found.id

    def pageable(self, ref: MentionRef) -> str:
        """A person or user group to page, checked to exist in the workspace now."""
        if not ref.id:
            return self.notified(ref)
        exists = self._directory.group_exists(ref.id) if ref.kind is MentionKind.GROUP \
            else self._directory.person(ref.id) is not None
        if not exists:
            raise UnknownName(f"there is no person or user group {ref.id} in this workspace")
        return ref.id

    def channel_id(self, name: str) -> str | None:
        """A typed channel name's id (a rule file's), or None."""
        return self._directory.channel_named(name)

    def user_id(self, name: str) -> str | None:
        """A typed person's name's id (a rule file's), or None."""
        person = self._directory.person_named(name)
        return person.id if person else None

    def _not_yet(self, sigil: str, what: str) -> str:
        """Why a typed name may be unknown although it exists: Klaxon's copy of the directory is refreshed in
        the background, and what the autocomplete picks needs no copy. None when the whole workspace was looked in."""
        if self._directory.knows_everyone():
            return ""
        return f". {not_in_directory(self._directory.as_of(), sigil, what)}"


def not_in_directory(as_of: datetime | None, sigil: str, what: str) -> str:
    """The hint given with an unknown typed name: how old Klaxon's copy of the directory is, and how to pick
    the name from Slack's autocomplete so no copy is needed."""
    copy = ("Klaxon is still reading this workspace's directory" if as_of is None else
            f"Klaxon's copy of the directory is from {as_of:%Y-%m-%d %H:%M} UTC and is refreshed every few minutes")
    return f"{copy}: type `{sigil}` and pick {what} from Slack's list, so Slack says who or what you mean"
