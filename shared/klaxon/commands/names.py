"""Channel, people and group references in a command, turned into Slack ids (or a clear refusal)."""

from __future__ import annotations

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
        found = self._directory.channels().get(str(ref.name))
        if found is None:
            raise UnknownName(f"there is no channel {ref.readable()} Klaxon can see "
                              "(for a private channel, invite Klaxon first: `/invite @klaxon`)")
        return found

    def posters(self, ref: MentionRef) -> tuple[str, ...]:
        """Every id a poster goes by: a bot's user also posts under its bot id."""
        if ref.id and ref.kind is not MentionKind.USER:
            return (ref.id,)
        people = self._directory.people()
        person = next((p for p in people.values() if p.id == ref.id), None) if ref.id else people.get(str(ref.name))
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
        person = self._directory.people().get(str(ref.name))
        if person is not None:
            return person.id
        group = self._directory.groups().get(str(ref.name))
        if group is not None:
            return group
        raise UnknownName(f"there is no person or user group @{ref.name} in this workspace")

    def pageable(self, ref: MentionRef) -> str:
        """A person or user group to page, checked to exist in the workspace now."""
        if ref.id:
            known = ref.id in {p.id for p in self._directory.people().values()} | set(self._directory.groups().values())
            if not known:
                raise UnknownName(f"there is no person or user group {ref.id} in this workspace")
            return ref.id
        return self.notified(ref)

    def channel_ids(self) -> dict[str, str]:
        return self._directory.channels()

    def user_ids(self) -> dict[str, str]:
        return {name: person.id for name, person in self._directory.people().items()}
