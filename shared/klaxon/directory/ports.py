"""What the directory needs: Slack's own answers (one call each) and the snapshot kept in the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klaxon.directory.model import Listing, Person, Refresh, Snapshot


@dataclass(frozen=True)
class ListPage:
    """One page of a Slack list (users.list, conversations.list) and the cursor of the next, if any."""

    listings: tuple[Listing, ...]
    next_cursor: str | None = None


class WorkspaceSlack(Protocol):
    """Slack's answers about the workspace, each at most one Web API call (cached per container).

    The page methods make exactly one call each and raise klaxon.ports.SlackBusy when Slack rate-limits it
    for longer than the caller waits.
    """

    def channel_exists(self, channel_id: str) -> bool:
        """conversations.info (Tier 3): False when Slack says channel_not_found."""
        ...

    def person(self, user_id: str) -> Person | None:
        """users.info (Tier 4); None when Slack says user_not_found."""
        ...

    def groups(self, fresh: bool = False) -> dict[str, str]:
        """Every user group, handle → id: usergroups.list (Tier 2), one call for all of them
        (`fresh`: not from a copy older than a few seconds)."""
        ...

    def group_members(self, group_id: str) -> frozenset[str]:
        """usergroups.users.list (Tier 2), cached for a minute."""
        ...

    def name(self, slack_id: str) -> str | None:
        """What Slack shows for a person or channel by id; None when Slack does not know it."""
        ...

    def workspace_url(self) -> str | None: ...

    def people_page(self, cursor: str | None = None) -> ListPage:
        """One page of users.list (Tier 2, up to 1,000 members), departed members left out."""
        ...

    def channels_page(self, cursor: str | None = None) -> ListPage:
        """One page of conversations.list (Tier 2, up to 1,000 channels Klaxon can see, unarchived)."""
        ...

    def groups_page(self) -> ListPage:
        """Every user group as listings (usergroups.list, one uncached call)."""
        ...


class DirectorySnapshots(Protocol):
    """The directory snapshot and its refresh, kept in the store."""

    def current(self) -> Snapshot | None:
        """The snapshot lookups read now; None before the first refresh completed."""
        ...

    def find(self, snapshot: Snapshot, key: str) -> Listing | None:
        """What `key` (klaxon.directory.model.name_key) names in `snapshot`."""
        ...

    def progress(self) -> Refresh | None:
        """The refresh under way or the last one done; None if there never was one."""
        ...

    def begin(self, last: Refresh | None, refresh: Refresh) -> bool:
        """Start `refresh` in place of `last` (None: the first ever); False if a sweep started one meanwhile."""
        ...

    def stage(self, before: Refresh, after: Refresh, listings: Sequence[Listing]) -> bool:
        """Keep one page of `before`'s listings and move the refresh on to `after`, at once; False (nothing
        kept) if another sweep moved it since `before` was read."""
        ...

    def publish(self, refresh: Refresh, built_at: datetime) -> Snapshot:
        """Make a done refresh's staged listings the snapshot lookups read (idempotent: a sweep that dies
        half-way leaves it to the next)."""
        ...
