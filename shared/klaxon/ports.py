"""What the domain needs from the outside world, and nothing about how it is done.

Services take these as arguments: DynamoDB and Slack's Web API in production and the local cloud,
in-memory fakes in unit tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert, AlertListing
from klaxon.alerts.ports import AlertRepository, DigestPosts, MessageIndex
from klaxon.configuration.model import ConfigurationStore
from klaxon.directory.model import Person as Person  # re-exported: the person every port speaks of
from klaxon.directory.ports import DirectorySnapshots
from klaxon.incidents.ports import IncidentRepository
from klaxon.monitoring.hosts import Board, HostRepository
from klaxon.paging.policies import LevelReached, NoPage, Notification, Page
from klaxon.paging.ports import PageRepository
from klaxon.silences.ports import SilenceRepository


class EventClaims(Protocol):
    """Once-only processing of Slack deliveries: a retry of a claimed event is dropped."""

    def claim(self, event_id: str, now: datetime) -> bool:
        """True if this caller may process the event; False if it was done or is being done."""
        ...

    def complete(self, event_id: str, now: datetime) -> None:
        """The event's work is done: retries of it are dropped until the marker expires."""
        ...

    def release(self, event_id: str) -> None:
        """The work failed: let the next delivery (Lambda's or Slack's retry) try again."""
        ...


class Store(Protocol):
    """Everything Klaxon keeps, one repository per concern."""

    @property
    def claims(self) -> EventClaims: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def configuration(self) -> ConfigurationStore: ...

    @property
    def digests(self) -> DigestPosts: ...

    @property
    def boards(self) -> DigestPosts:
        """The host board's message in each board channel, kept as the digests are."""
        ...

    @property
    def hosts(self) -> HostRepository: ...

    @property
    def messages(self) -> MessageIndex: ...

    @property
    def pages(self) -> PageRepository: ...

    @property
    def silences(self) -> SilenceRepository: ...

    @property
    def incidents(self) -> IncidentRepository: ...

    @property
    def directory(self) -> DirectorySnapshots:
        """The workspace directory's snapshot, which typed names are looked up in."""
        ...

    @property
    def people(self) -> PeopleRepository: ...


class PeopleRepository(Protocol):
    """What Klaxon remembers about a person across containers."""

    def dm_channel(self, user: str) -> str | None:
        """The direct-message channel Klaxon opened with `user` (conversations.open), if one was remembered."""
        ...

    def remember_dm_channel(self, user: str, channel: str) -> None: ...


class ChannelUnreachable(Exception):
    """Klaxon cannot post in a channel: private and Klaxon not invited, archived, or not joinable."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"Klaxon cannot post in {channel}: {reason}")
        self.channel = channel
        self.reason = reason


class PersonUnreachable(Exception):
    """Slack will never let Klaxon message this person: `reason` is Slack's error code (user_disabled: their
    account was deactivated; user_not_found, user_not_visible, cannot_dm_bot: not a person Klaxon may DM).
    Asking again changes nothing, unlike a failure on the way."""

    def __init__(self, person: str, reason: str) -> None:
        super().__init__(f"Slack will not let Klaxon message {person}: {reason}")
        self.person = person
        self.reason = reason


class SlackBusy(Exception):
    """Slack rate-limited a call for longer than the caller can wait; try again after `retry_after` seconds."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"Slack rate-limited {method} for {retry_after:.0f}s")
        self.retry_after = retry_after


class MessageUnavailable(Exception):
    """Slack would not give a message: `error` is Slack's error code (not_in_channel, channel_not_found,
    ratelimited, missing_scope…), `retry_after` the seconds Slack asked to wait when rate-limited."""

    def __init__(self, error: str, retry_after: float | None = None) -> None:
        super().__init__(f"Slack would not give the message: {error}")
        self.error = error
        self.retry_after = retry_after


class MessageReader(Protocol):
    def read_message(self, channel: str, ts: str, thread_ts: str | None = None) -> dict[str, Any] | None:
        """One message as Slack stores it (a reply when `thread_ts` names its thread); None if there is none.

        Raises MessageUnavailable when Slack refuses.
        """
        ...


class SlackGateway(Protocol):
    """The Slack Web API calls Klaxon makes, in the incident domain's words."""

    def post_alert(self, alert: Alert) -> str:
        """Post the alert to its target channel (joining it if it is public); return the post's ts.

        Raises ChannelUnreachable when Klaxon cannot post there; TimeoutError when Slack answered too late to
        know whether it posted (and the post was not found among the channel's newest messages).
        """
        ...

    def recent_alert_posts(self, channel: str) -> dict[str, str]:
        """Alert id → ts of Klaxon's reposts among the channel's newest messages: posts Slack may have made
        although Klaxon never heard back. May raise SlackBusy (the look is rate-limited hard)."""
        ...

    def update_alert(self, alert: Alert) -> None:
        """Re-render the alert's post in place (count, state, who handled it)."""
        ...

    def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a message, or None when Slack cannot give one (deleted, no access)."""
        ...

    def mark_handled(self, channel: str, ts: str, reaction: str) -> None:
        """Add the handled reaction to a message; already having it is fine."""
        ...

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        """A message's reactions now: name → users (reactions.get; may raise SlackBusy)."""
        ...

    def post_digest(self, digest: Digest) -> str:
        """Post a channel's digest; return its ts. Raises ChannelUnreachable when Klaxon cannot post there."""
        ...

    def update_digest(self, digest: Digest, ts: str) -> None:
        """Redraw a channel's digest in place. Raises ChannelUnreachable when Klaxon can no longer post there."""
        ...

    def post_board(self, channel: str, board: Board) -> str:
        """Post the host board in a board channel; return its ts. Raises ChannelUnreachable as post_digest."""
        ...

    def update_board(self, channel: str, ts: str, board: Board) -> None:
        """Redraw a channel's host board in place. Raises ChannelUnreachable as update_digest."""
        ...

    def post_reminder(self, channel: str, overdue: AlertListing) -> str:
        """Post a reminder saying how many alerts nobody has handled, listing the oldest."""
        ...

    def tell_paging(self, page: Page, step: int, reached: LevelReached) -> None:
        """Say in the page's thread whom one step notified, and whom Slack would not let Klaxon message."""
        ...

    def tell_page_acknowledged(self, page: Page) -> None:
        """Say in the page's thread who stopped it, and after how long."""
        ...

    def tell_page_dropped(self, page: Page) -> None:
        """Say in the page's thread that every level was notified and nobody acknowledged."""
        ...

    def tell_no_page(self, channel: str, ts: str, why: NoPage) -> None:
        """Say in a mention's thread (at channel, ts) why it paged nobody."""
        ...

    def tell_policy_missing(self, alert: Alert) -> None:
        """Say in an alert's thread that its ack timeout ran out but its policy no longer exists."""
        ...

    def tell_page_silenced(self, alert: Alert, silence_id: str) -> None:
        """Say in an alert's thread that its ack timeout ran out while a silence covered it: nobody was paged."""
        ...

    def answer_direct_message(self, channel: str, reply: str | None) -> None:
        """Answer a direct message: the workspace's reply, or (None) the default explanation."""
        ...

    def open_direct_message(self, user: str) -> str:
        """The direct-message channel between Klaxon and `user` (conversations.open, Tier 3): it does not
        change, so callers remember it rather than ask again. PersonUnreachable if Slack never will."""
        ...

    def page_person(self, user: str, channel: str, page: Page, step: int) -> str:
        """Direct-message one person, in their direct-message `channel`, for one step of a page; the ts.
        PersonUnreachable if Slack never will (their account was deactivated since the channel was opened)."""
        ...

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        """Redraw a page's direct message to say who acknowledged it (its button goes)."""
        ...


class SlackDirectory(Protocol):
    """Channels, people and user groups: by the id Slack resolved (at most one Slack call, cached per
    container), or by a typed name (from the directory snapshot: no Slack call in a big workspace)."""

    def channel_named(self, name: str) -> str | None:
        """The id of the channel a typed `#name` names, or None."""
        ...

    def channel_exists(self, channel_id: str) -> bool: ...

    def person_named(self, name: str) -> Person | None:
        """The person a typed `@name` names (username, display name or real name), or None."""
        ...

    def person(self, user_id: str) -> Person | None:
        """The person (or bot user) with this id now, or None when Slack does not know it."""
        ...

    def group_named(self, handle: str) -> str | None:
        """The id of the user group with this handle, or None."""
        ...

    def group_exists(self, group_id: str) -> bool: ...

    def group_members(self, group_id: str) -> frozenset[str]:
        """The user ids in a user group now."""
        ...

    def name(self, slack_id: str) -> str | None:
        """What Slack shows for a person (display name, else real name) or a channel (its name) now, by id;
        None when Slack does not know the id. One lookup per id, cached for a few minutes."""
        ...

    def workspace_url(self) -> str | None:
        """The workspace's address (`https://acme.slack.com/`), for links to its channels and messages; None
        when Slack does not say."""
        ...

    def as_of(self) -> datetime | None:
        """When the snapshot typed names are read from was built; None before the first one."""
        ...

    def knows_everyone(self) -> bool:
        """Whether the last typed name not found was looked for in a list of the whole workspace as it is now
        (a workspace one Slack list call holds); False when the snapshot may just not have it yet."""
        ...
