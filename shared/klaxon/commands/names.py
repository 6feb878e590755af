"""Channel, people and group references in a command, turned into Slack ids (or a clear refusal).

The directory's lists are cached; a name they lack is looked up once more in fresh lists before it is
refused, so a channel created or a person invited a minute ago is found.
"""

from __future__ import annotations

from collections.abc import Callable

from klaxon.commands.references import ChannelRef, MentionKind, MentionRef
from klaxon.ports import Person, SlackDirectory


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
        found = _found(lambda fresh: self._directory.channels(fresh).get(str(ref.name)))
        if found is None:
            raise UnknownName(f"there is no channel {ref.readable()} Klaxon can see "
                              "(for a private channel, invite Klaxon first: `/invite @klaxon`)")
        return found

    def posters(self, ref: MentionRef) -> tuple[str, ...]:
        """Every id a poster goes by: a bot's user also posts under its bot id."""
        if ref.id and ref.kind is not MentionKind.USER:
            return (ref.id,)
        person = _found(lambda fresh: self._person(ref, fresh))
        if person is None:
            if ref.id:
                return (ref.id,)
            raise UnknownName(f"nobody called @{ref.name} posts in this workspace")
        return (person.id, person.bot_id) if person.bot_id else (person.id,)

    def notified(self, ref: MentionRef) -> str:
        """The id (or `here`/`channel`/`everyone`) a hotline or escalation level notifies."""
        if ref.kind is MentionKind.BROADCAST:
            return str(ref.name)
        if ref.id:
            return ref.id
        found = _found(lambda fresh: self._person_or_group(str(ref.name), fresh))
        if found is None:
            raise UnknownName(f"there is no person or user group @{ref.name} in this workspace")
        return found

    def person(self, ref: MentionRef) -> str:
        """A person's id: Slack's markup gives it; a typed @name is looked up (a user group is not a person)."""
        if ref.id and ref.kind is MentionKind.USER:
            return ref.id
        if ref.kind not in (MentionKind.USER, MentionKind.EITHER):
            raise UnknownName(f"{ref.readable()} is not a person")
        found = _found(lambda fresh: self._person(ref, fresh))
        if found is None:
            raise UnknownName(f"there is nobody called {ref.readable()} in this workspace")
        return found.id

    def pageable(self, ref: MentionRef) -> str:
        """A person or user group to page, checked to exist in the workspace now."""
        if not ref.id:
            return self.notified(ref)
        if not _found(lambda fresh: self._exists(str(ref.id), fresh)):
            raise UnknownName(f"there is no person or user group {ref.id} in this workspace")
        return ref.id

    def channel_ids(self) -> dict[str, str]:
        return self._directory.channels()

    def user_ids(self) -> dict[str, str]:
        return {name: person.id for name, person in self._directory.people().items()}

    def _person(self, ref: MentionRef, fresh: bool) -> Person | None:
        people = self._directory.people(fresh)
        if ref.id:
            return next((p for p in people.values() if p.id == ref.id), None)
        return people.get(str(ref.name))

    def _person_or_group(self, name: str, fresh: bool) -> str | None:
        person = self._directory.people(fresh).get(name)
        return person.id if person else self._directory.groups(fresh).get(name)

    def _exists(self, slack_id: str, fresh: bool) -> bool | None:
        people = {p.id for p in self._directory.people(fresh).values()}
        return (slack_id in people or slack_id in self._directory.groups(fresh).values()) or None


def _found[T](lookup: Callable[[bool], T | None]) -> T | None:
    """Look in the cached lists, then once in fresh ones."""
    found = lookup(False)
    return found if found is not None else lookup(True)
