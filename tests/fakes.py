"""In-memory stand-ins for the ports, for fast unit tests of the domain (the real ones are tested with moto)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from klaxon.alerts import Alert, AlertState, HandledMark
from klaxon.configuration import AuditEntry, Configuration, ConfigurationConflict
from klaxon.digests import Digest, DigestPost
from klaxon.escalation import Notification, Page, PageState
from klaxon.ports import ChannelUnreachable, MessageReferents, Person, Raised, RaiseOutcome, SlackBusy


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


class InMemoryClaims:
    """Claims as DynamoEventClaims keeps them: a claim in progress is free again once its lease runs out."""

    LEASE = timedelta(minutes=2)

    def __init__(self) -> None:
        self.state: dict[str, str] = {}
        self.leases: dict[str, datetime] = {}

    def claim(self, event_id: str, now: datetime) -> bool:
        if event_id in self.state and not (self.state[event_id] == "in_progress" and self.leases[event_id] < now):
            return False
        self.state[event_id] = "in_progress"
        self.leases[event_id] = now + self.LEASE
        return True

    def complete(self, event_id: str, now: datetime) -> None:
        self.state[event_id] = "done"

    def release(self, event_id: str) -> None:
        self.state.pop(event_id, None)


class InMemoryAlerts:
    def __init__(self) -> None:
        self.alerts: dict[str, Alert] = {}
        self.messages: dict[tuple[str, str], str] = {}
        self.groups: dict[str, tuple[str, datetime]] = {}
        self.waiting: dict[str, datetime] = {}  # recorded, not yet posted: alert id → first seen

    def raise_alert(self, alert: Alert, group_until: datetime) -> Raised:
        recorded = self.messages.get((alert.source_channel, alert.source_ts))
        if recorded:
            return Raised(self.alerts[recorded], RaiseOutcome.ALREADY_RECORDED)
        group = self.groups.get(alert.fingerprint)
        if group and group[1] > alert.first_seen and not self.alerts[group[0]].resolved_by:
            counted = self.alerts[group[0]]
            counted = replace(counted, count=counted.count + 1, last_seen=alert.first_seen)
            self.alerts[counted.id] = counted
            self.messages[(alert.source_channel, alert.source_ts)] = counted.id
            self.groups[alert.fingerprint] = (counted.id, group_until)
            return Raised(counted, RaiseOutcome.GROUPED)
        self.alerts[alert.id] = alert
        self.messages[(alert.source_channel, alert.source_ts)] = alert.id
        self.groups[alert.fingerprint] = (alert.id, group_until)
        self.waiting[alert.id] = alert.first_seen
        return Raised(alert, RaiseOutcome.NEW)

    def record_post(self, alert: Alert, post_ts: str, permalink: str | None) -> Alert:
        self.alerts[alert.id] = replace(self.alerts[alert.id], post_ts=post_ts, permalink=permalink)
        self.messages[(alert.target_channel, post_ts)] = alert.id
        self.waiting.pop(alert.id, None)
        return alert.posted(post_ts, permalink)  # as DynamoDB's: the alert as given, not as stored now

    def unposted(self, recorded_before: datetime, limit: int | None = None) -> list[Alert]:
        due = sorted((at, alert_id) for alert_id, at in self.waiting.items() if at <= recorded_before)
        return [self.alerts[alert_id] for _, alert_id in due][:limit]

    def get(self, alert_id: str) -> Alert | None:
        return self.alerts.get(alert_id)

    def find_by_message(self, channel: str, ts: str) -> Alert | None:
        alert_id = self.messages.get((channel, ts))
        return self.alerts[alert_id] if alert_id else None

    def add_mark(self, alert_id: str, mark: HandledMark) -> Alert | None:
        alert = self.alerts.get(alert_id)
        if alert is None:
            return None
        if alert.mark(mark.via, mark.user) is None:
            alert = replace(alert, marks=tuple(sorted((*alert.marks, mark))))
        return self._save(replace(alert, revision=alert.revision + 1))

    def remove_mark(self, alert_id: str, user: str, via: str) -> Alert | None:
        alert = self.alerts.get(alert_id)
        if alert is None:
            return None
        kept = tuple(m for m in alert.marks if (m.user, m.via) != (user, via))
        return self._save(replace(alert, marks=kept, revision=alert.revision + 1))

    def resolve(self, alert_id: str, user: str, at: datetime) -> Alert | None:
        alert = self.alerts.get(alert_id)
        if alert is None:
            return None
        if not alert.resolved_by:
            alert = replace(alert, resolved_by=user, resolved_at=at)
        return self._save(replace(alert, revision=alert.revision + 1))

    def unacknowledged(self, seen_before: datetime, limit: int | None = None) -> list[Alert]:
        found = sorted((a for a in self.alerts.values() if a.state is AlertState.OPEN and a.first_seen <= seen_before),
                       key=lambda a: a.first_seen)
        return found[:limit]

    def recently_handled(self, since: datetime, limit: int | None = None) -> list[Alert]:
        found = sorted((a for a in self.alerts.values() if a.handled_at and a.handled_at >= since),
                       key=lambda a: a.handled_at or since)
        return found[:limit]

    def _save(self, alert: Alert) -> Alert:
        self.alerts[alert.id] = alert
        return alert


class InMemoryConfiguration:
    def __init__(self, snapshot: Configuration | None = None) -> None:
        self.snapshot = snapshot or Configuration()
        self.entries: list[AuditEntry] = []
        self.version_reads = 0

    def stamp(self) -> str:
        self.version_reads += 1
        return self.snapshot.stamp

    def load(self) -> Configuration:
        return self.snapshot

    def commit(self, base: Configuration, changed: Configuration, entry: AuditEntry) -> Configuration:
        if base.version != self.snapshot.version:
            raise ConfigurationConflict("changed meanwhile")
        self.snapshot = replace(changed, version=base.version + 1, stamp=f"s{base.version + 1}")
        self.entries.insert(0, entry)
        return self.snapshot

    def audit_trail(self, limit: int) -> list[AuditEntry]:
        return self.entries[:limit]

    def note(self, entry: AuditEntry) -> None:
        self.entries.insert(0, entry)


class InMemoryDigests:
    def __init__(self) -> None:
        self.posts: dict[str, DigestPost] = {}
        self.locked: set[str] = set()
        self.drawn_as_of: dict[str, datetime] = {}

    def all(self) -> dict[str, DigestPost]:
        return dict(self.posts)

    def lock(self, channel: str, now: datetime) -> DigestPost | None:
        if channel in self.locked or self.drawn_as_of.get(channel, now) > now:
            return None
        self.locked.add(channel)
        self.drawn_as_of[channel] = now
        return self.posts.get(channel, DigestPost(channel, None, None))

    def release(self, post: DigestPost) -> None:
        self.posts[post.channel] = post
        self.locked.discard(post.channel)


class InMemoryPages:
    """Pages as DynamoPages keeps them; `lagging_index` lists every active page and timer as due, as
    DynamoDB's eventually consistent index may for a moment: the conditional writes must still hold."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.by_message: dict[tuple[str, str], str] = {}
        self.timers: dict[str, datetime] = {}
        self.lagging_index = False

    def start(self, page: Page) -> bool:
        if page.id in self.pages:
            return False
        self.pages[page.id] = page
        if page.id.startswith("mention/"):
            _, channel, ts = page.id.split("/", 2)
            self.by_message[(channel, ts)] = page.id
        return True

    def get(self, page_id: str) -> Page | None:
        return self.pages.get(page_id)

    def claim_step(self, page: Page, claimed: Page, now: datetime) -> Page | None:
        current = self.pages[page.id]
        if current.step != page.step or not current.is_active or not _step_due(current, now):
            return None
        self.pages[page.id] = replace(current, step=claimed.step, next_at=claimed.next_at, sending=claimed.sending)
        return self.pages[page.id]

    def finish_step(self, page: Page, step: int) -> Page | None:
        current = self.pages[page.id]
        if current.sending != step:
            return None
        self.pages[page.id] = replace(current, sending=None, next_at=page.next_at)
        return self.pages[page.id]

    def record_notification(self, page_id: str, notification: Notification) -> None:
        page = self.pages[page_id]
        self.pages[page_id] = replace(page, notifications=tuple(sorted((*page.notifications, notification))))

    def acknowledge(self, page_id: str, user: str, at: datetime) -> Page | None:
        page = self.pages.get(page_id)
        if page is None or not page.is_active:
            return None
        self.pages[page_id] = replace(page, state=PageState.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=at)
        return self.pages[page_id]

    def exhaust(self, page: Page, now: datetime) -> Page | None:
        current = self.pages[page.id]
        if not current.is_active or current.step != page.step or not _step_due(current, now):
            return None
        self.pages[page.id] = replace(current, state=PageState.EXHAUSTED)
        return self.pages[page.id]

    def due(self, now: datetime, limit: int | None = None) -> list[Page]:
        due = [p for p in self.pages.values()
               if p.is_active and (self.lagging_index or p.sending is not None or _step_due(p, now))]
        return sorted(due, key=lambda p: p.next_at or now)[:limit]

    def due_timeouts(self, now: datetime, limit: int | None = None) -> list[str]:
        return [alert_id for alert_id, at in sorted(self.timers.items(), key=lambda kv: kv[1])
                if self.lagging_index or at <= now][:limit]

    def clear_timeout(self, alert_id: str, now: datetime) -> bool:
        if self.timers.get(alert_id, now) > now:
            return False
        return self.timers.pop(alert_id, None) is not None


def _step_due(page: Page, now: datetime) -> bool:
    return page.sending is None and (page.next_at or page.started_at) <= now


class InMemoryMessages:
    """The message index, over the alerts' and pages' own maps."""

    def __init__(self, alerts: InMemoryAlerts, pages: InMemoryPages) -> None:
        self._alerts, self._pages = alerts, pages
        self.lookups: list[tuple[str, str]] = []

    def lookup(self, channel: str, ts: str) -> MessageReferents:
        self.lookups.append((channel, ts))
        return MessageReferents(alert_id=self._alerts.messages.get((channel, ts)),
                                page_id=self._pages.by_message.get((channel, ts)))


@dataclass
class InMemoryStore:
    claims: InMemoryClaims = field(default_factory=InMemoryClaims)
    alerts: InMemoryAlerts = field(default_factory=InMemoryAlerts)
    configuration: InMemoryConfiguration = field(default_factory=InMemoryConfiguration)
    digests: InMemoryDigests = field(default_factory=InMemoryDigests)
    pages: InMemoryPages = field(default_factory=InMemoryPages)
    messages: InMemoryMessages = field(init=False)

    def __post_init__(self) -> None:
        self.messages = InMemoryMessages(self.alerts, self.pages)
        # An alert whose rule names a policy comes with its ack timer, as in DynamoDB's transaction.
        raise_alert = self.alerts.raise_alert

        def raise_with_timer(alert: Alert, group_until: datetime) -> Raised:
            raised = raise_alert(alert, group_until)
            if raised.outcome is RaiseOutcome.NEW and alert.escalate_at:
                self.pages.timers[alert.id] = alert.escalate_at
            return raised

        self.alerts.raise_alert = raise_with_timer  # type: ignore[method-assign]


@dataclass
class FakeSlack:
    """Records what Klaxon would have asked Slack to do."""

    posts: list[Alert] = field(default_factory=list)
    updates: list[Alert] = field(default_factory=list)
    handled_marks: list[tuple[str, str, str]] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    message_reactions: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    digests: list[Digest] = field(default_factory=list)
    reminders: list[tuple[str, list[Alert]]] = field(default_factory=list)
    busy: bool = False
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    said: list[tuple[str, str]] = field(default_factory=list)
    pages_sent: list[tuple[str, str, int]] = field(default_factory=list)
    pages_closed: list[tuple[str, str]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    closed_channels: set[str] = field(default_factory=set)  # channels Klaxon cannot post in

    def post_alert(self, alert: Alert) -> str:
        if alert.target_channel in self.closed_channels:
            raise ChannelUnreachable(alert.target_channel, "channel_not_found")
        self.posts.append(alert)
        return f"1800000000.{len(self.posts):06d}"

    def recent_alert_posts(self, channel: str) -> dict[str, str]:
        self.calls.append(("recent_alert_posts", channel))
        if self.busy:
            raise SlackBusy("conversations.history", 60)
        return {posted.id: f"1800000000.{n:06d}" for n, posted in enumerate(self.posts, start=1)
                if posted.target_channel == channel}

    def update_alert(self, alert: Alert) -> None:
        self.updates.append(alert)

    def permalink(self, channel: str, ts: str) -> str | None:
        return f"https://klaxon-demo.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def mark_handled(self, channel: str, ts: str, reaction: str) -> None:
        self.handled_marks.append((channel, ts, reaction))

    def reactions_on(self, channel: str, ts: str, reactions: dict[str, list[str]]) -> None:
        """What reactions.get will report for a message."""
        self.message_reactions[(channel, ts)] = reactions

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        self.calls.append(("reactions.get", (channel, ts)))
        if self.busy:
            raise SlackBusy("reactions.get", 30)
        return self.message_reactions.get((channel, ts), {})

    def post_digest(self, digest: Digest) -> str:
        if digest.channel in self.closed_channels:
            raise ChannelUnreachable(digest.channel, "channel_not_found")
        self.digests.append(digest)
        return f"1800000100.{len(self.digests):06d}"

    def update_digest(self, digest: Digest, ts: str) -> None:
        self.digests.append(digest)
        self.calls.append(("update_digest", ts))

    def post_reminder(self, channel: str, overdue: Sequence[Alert]) -> str:
        self.reminders.append((channel, list(overdue)))
        return f"1800000200.{len(self.reminders):06d}"

    def note_in_thread(self, channel: str, ts: str, text: str) -> None:
        self.notes.append((channel, ts, text))

    def say(self, channel: str, text: str) -> None:
        self.said.append((channel, text))

    def page_person(self, user: str, page: Page, step: int) -> tuple[str, str]:
        if self.unreachable & {user}:
            raise ConnectionError(f"cannot reach {user}")
        self.pages_sent.append((user, page.id, step))
        return f"D{user}", f"1800000300.{len(self.pages_sent):06d}"

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        self.pages_closed.append((notification.user, page.id))


@dataclass
class FakeDirectory:
    """A workspace directory held in memory."""

    channel_names: dict[str, str] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    group_handles: dict[str, str] = field(default_factory=dict)
    members: dict[str, frozenset[str]] = field(default_factory=dict)

    def channels(self, fresh: bool = False) -> dict[str, str]:
        return dict(self.channel_names)

    def channel_exists(self, channel_id: str) -> bool:
        return channel_id in self.channel_names.values()

    def people(self, fresh: bool = False) -> dict[str, Person]:
        return dict(self.persons)

    def groups(self, fresh: bool = False) -> dict[str, str]:
        return dict(self.group_handles)

    def group_members(self, group_id: str) -> frozenset[str]:
        return self.members.get(group_id, frozenset())
