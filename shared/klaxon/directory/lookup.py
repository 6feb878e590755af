"""Looking people, user groups and channels up for a command: ids from Slack, typed names from the snapshot.

A reference Slack resolved costs at most one call (users.info, usergroups.list or conversations.info,
cached per container by the Slack adapter). A typed name is read from the snapshot in DynamoDB (klaxon.
directory.model): no users.list inside a command. A name the snapshot lacks is worth one list call only in
a workspace whose members fit in one users.list page (a person who joined since the last refresh is then
found at once); in a bigger one the command says the name is not known yet and how to pick it instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from klaxon.directory.model import Listing, ListingKind, Person, Snapshot, index, name_key
from klaxon.directory.ports import DirectorySnapshots, ListPage, WorkspaceSlack


class WorkspaceDirectory:
    """The workspace directory (klaxon.ports.SlackDirectory) for one unit of work."""

    def __init__(self, slack: WorkspaceSlack, snapshots: DirectorySnapshots) -> None:
        self.slack = slack
        self._snapshots = snapshots
        self._snapshot: Snapshot | None = None
        self._read = False
        self._everyone = False  # whether the last name not found was looked for in a list of everyone

    def channel_named(self, name: str) -> str | None:
        found = self._named(ListingKind.CHANNEL, name, self.slack.channels_page)
        return found.id if found else None

    def channel_exists(self, channel_id: str) -> bool:
        return self.slack.channel_exists(channel_id)

    def person_named(self, name: str) -> Person | None:
        found = self._named(ListingKind.PERSON, name, self.slack.people_page)
        return found.person if found and found.kind is ListingKind.PERSON else None

    def person(self, user_id: str) -> Person | None:
        return self.slack.person(user_id)

    def group_named(self, handle: str) -> str | None:
        found = self._named(ListingKind.GROUP, handle, None)
        if found is not None and found.kind is ListingKind.GROUP:
            return found.id
        # usergroups.list is one call for every group, whatever the workspace's size: worth it for a miss.
        return self.slack.groups().get(handle) or self.slack.groups(fresh=True).get(handle)

    def group_exists(self, group_id: str) -> bool:
        return group_id in self.slack.groups().values() or group_id in self.slack.groups(fresh=True).values()

    def group_members(self, group_id: str) -> frozenset[str]:
        return self.slack.group_members(group_id)

    def name(self, slack_id: str) -> str | None:
        return self.slack.name(slack_id)

    def workspace_url(self) -> str | None:
        return self.slack.workspace_url()

    def as_of(self) -> datetime | None:
        snapshot = self._current()
        return snapshot.built_at if snapshot else None

    def knows_everyone(self) -> bool:
        return self._everyone

    def _named(self, kind: ListingKind, name: str, first_page: Callable[[], ListPage] | None) -> Listing | None:
        key = name_key(kind, name)
        snapshot = self._current()
        found = self._snapshots.find(snapshot, key) if snapshot else None
        if found is not None or first_page is None or (snapshot is not None and not snapshot.small):
            self._everyone = False
            return found
        # No snapshot yet, or the workspace fits one page: one call finds whoever joined since the refresh.
        page = first_page()
        self._everyone = page.next_cursor is None
        return index(page.listings).get(key)

    def _current(self) -> Snapshot | None:
        """The snapshot, read once for this unit of work."""
        if not self._read:
            self._snapshot, self._read = self._snapshots.current(), True
        return self._snapshot

