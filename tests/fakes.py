"""In-memory stand-ins for the ports, for fast unit tests of the domain (the real ones are tested with moto)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from klaxon import bootstrap
from klaxon.alerts.digests import Digest, DigestPost
from klaxon.alerts.intake import take_message
from klaxon.alerts.judging import Identity, Judgement
from klaxon.alerts.lifecycle import AlertStanding, Change, SourceState, decide
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.model import Alert, AlertListing, AlertState, ExternalOrigin, HandledMark, source_actor
from klaxon.alerts.ports import Applied, Arrival, MessageReferents, Raised, RaiseOutcome
from klaxon.configuration.model import AuditEntry, Configuration, ConfigurationConflict
from klaxon.directory.model import Listing, ListingKind, Refresh, Snapshot, index
from klaxon.directory.ports import ListPage
from klaxon.doctor.ports import ChannelFacts, InstallationRefused, Installed
from klaxon.incidents.events import IncidentChanged
from klaxon.incidents.model import Incident
from klaxon.incidents.outcomes import Setback
from klaxon.incidents.ports import AlertTaken, AlreadyApplied, IncidentConflict, SlackRefused
from klaxon.incidents.reminders import Reminder
from klaxon.incidents.timeline import IncidentRecord, TimelineEntry, ordered
from klaxon.metrics import Measurement
from klaxon.monitoring.hosts import Board, Host, HostChange
from klaxon.monitoring.hosts import apply as apply_to_host
from klaxon.paging.policies import LevelReached, NoPage, Notification, Page, PageState
from klaxon.ports import ChannelUnreachable, Person, PersonUnreachable, SlackBusy, SlackDirectory
from klaxon.services import Services
from klaxon.silences.model import Silence
from klaxon.slack.renderers import paging as paging_notes
from klaxon.web.links import SignedLinks


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

    LEASE = timedelta(minutes=2)  # as DynamoDB's: a dead worker's claim is taken over after it

    def __init__(self) -> None:
        self.state: dict[str, str] = {}
        self.leases: dict[str, datetime] = {}

    def claim(self, event_id: str, now: datetime) -> bool:
        if self.state.get(event_id) == "done" or (event_id in self.state and self.leases[event_id] > now):
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
        self.states: dict[tuple[str, str], SourceState] = {}
        self.timers: dict[str, datetime] = {}  # shared with InMemoryPages: an alert's ack timer
        self.posting: dict[str, datetime] = {}  # unposted alerts leased to whoever posts them, until
        self.owed: dict[str, datetime] = {}  # unposted alerts: when the sweep is to post them
        self.sightings: dict[str, list[datetime]] = {}  # a message alert's messages, by when each was said
        self.trailing: dict[str, datetime] = {}  # alerts whose count the sweep is to draw, from when

    def raise_alert(self, alert: Alert, group_until: datetime, now: datetime) -> Raised:
        assert alert.message is not None, "message alerts only"
        where = (alert.message.channel, alert.message.ts)
        recorded = self.messages.get(where)
        if recorded:
            return Raised(self.alerts[recorded], RaiseOutcome.ALREADY_RECORDED)
        group = self.groups.get(alert.fingerprint)
        if group and group[1] > alert.first_seen and not self.alerts[group[0]].resolved_by:
            # As in DynamoDB: a sighting counted, the alert item untouched until its post is redrawn; the window
            # slides with the latest sighting (repeats arrive in any order).
            self.sightings[group[0]].append(alert.first_seen)
            self.messages[where] = group[0]
            self.groups[alert.fingerprint] = (group[0], max(group[1], group_until))
            return Raised(self.alerts[group[0]], RaiseOutcome.GROUPED)
        self._create(alert, now)
        self.sightings[alert.id] = [alert.first_seen]
        self.messages[where] = alert.id
        self.groups[alert.fingerprint] = (alert.id, group_until)
        return Raised(alert, RaiseOutcome.NEW)

    POSTING_LEASE = timedelta(minutes=2)  # as DynamoDB's

    def apply_external(self, arrivals: Sequence[Arrival], window: timedelta, now: datetime) -> list[Applied]:
        return [self._apply(arrival, window, now) for arrival in arrivals]

    def unposted(self, now: datetime, limit: int | None = None) -> list[Alert]:
        due = sorted((at, alert_id) for alert_id, at in self.owed.items() if at <= now)
        return [self.alerts[alert_id] for _, alert_id in due][:limit]

    def claim_posting(self, alert_id: str, now: datetime) -> bool:
        alert = self.alerts.get(alert_id)
        if alert is None or alert.is_posted or self.posting.get(alert_id, now) > now:
            return False
        self.posting[alert_id] = now + self.POSTING_LEASE
        return True

    def release_posting(self, alert_id: str, retry_at: datetime) -> None:
        if self.alerts[alert_id].is_posted:
            return
        self.posting.pop(alert_id, None)
        self.owed[alert_id] = retry_at

    def _apply(self, arrival: Arrival, window: timedelta, now: datetime) -> Applied:
        key = (arrival.event.source, arrival.event.dedup_key)
        state = self.states.get(key)
        alert = self.alerts.get(state.alert_id) if state and state.alert_id else None
        standing = AlertStanding(alert.resolved_at, silenced=alert.silenced_by is not None) if alert else None
        transition = decide(state, standing, arrival.event, arrival.at, window, arrival.silenced)
        change = transition.change
        # As in DynamoDB: the key's state counts its alert's firings; the alert takes the count when it is drawn
        # (a repeat) or changed (a reopen, a resolve).
        seen = 1 if change is Change.NEW else transition.state.seen + (change in (Change.REPEAT, Change.REOPEN))
        if change is not Change.STALE:
            self.states[key] = replace(transition.state, version=transition.state.version + 1, seen=seen)
        match change:
            case Change.NEW:
                if alert is not None and state is not None and alert.resolved_at is None:
                    self._save(replace(alert, count=max(alert.count, state.seen)))  # a silent alert left: final
                alert = self._create(arrival.alert(str(transition.alert_id)), now)
            case Change.REOPEN:
                assert alert is not None
                alert = self._save(replace(alert, count=seen, resolved_by=None, resolved_at=None, last_seen=arrival.at,
                                           origin=replace(alert.origin, occurred_at=arrival.at),
                                           revision=alert.revision + 1))
            case Change.RESOLVE:
                assert alert is not None
                alert = self._save(replace(alert, resolved_by=source_actor(arrival.event.source), count=seen,
                                           resolved_at=arrival.at, revision=alert.revision + 1,
                                           origin=replace(alert.origin, occurred_at=arrival.at)))
        return Applied(arrival, change, alert)

    def claim_redraw(self, alert_id: str, now: datetime, until: datetime, changed_only: bool = False) -> Alert | None:
        alert = self.alerts.get(alert_id)
        if alert is None or (alert.redraw_after is not None and alert.redraw_after > now):
            return None
        count, last_seen = self._tally(alert)
        if changed_only and count <= alert.count:
            return None
        seen = max(last_seen, alert.seen_last)
        origin = alert.origin if alert.message else replace(alert.origin, occurred_at=seen)
        self.trailing[alert_id] = until
        return self._save(replace(alert, count=max(count, alert.count), redraw_after=until,
                                  last_seen=seen if seen > alert.first_seen else alert.last_seen,
                                  origin=origin, revision=alert.revision + 1))

    def _tally(self, alert: Alert) -> tuple[int, datetime]:
        if alert.message is not None:
            seen = self.sightings.get(alert.id, [])
            return len(seen), max(seen, default=alert.seen_last)
        origin = alert.origin
        assert isinstance(origin, ExternalOrigin)
        state = self.states.get((origin.source, origin.dedup_key))
        if state is None or state.alert_id != alert.id:
            return alert.count, alert.seen_last
        return state.seen, state.occurred_at

    def trail_redraw(self, alert_id: str, at: datetime) -> None:
        self.trailing[alert_id] = at

    def trailing_redraws(self, now: datetime, limit: int | None = None) -> list[str]:
        return [alert_id for at, alert_id in sorted((at, a) for a, at in self.trailing.items() if at <= now)][:limit]

    def drop_redraw(self, alert_id: str, due_by: datetime) -> None:
        if self.trailing.get(alert_id, due_by) <= due_by:
            self.trailing.pop(alert_id, None)

    def _create(self, alert: Alert, now: datetime) -> Alert:
        self.alerts[alert.id] = alert
        if alert.escalate_at:  # as in DynamoDB, the ack timer is written with the alert
            self.timers[alert.id] = alert.escalate_at
        if not alert.silenced_by:  # leased to its raiser for posting, and owed once the lease runs out
            self.posting[alert.id] = self.owed[alert.id] = now + self.POSTING_LEASE
        return alert

    def record_post(self, alert: Alert, post_ts: str) -> Alert:
        self.alerts[alert.id] = replace(self.alerts[alert.id], post_ts=post_ts, origin=alert.origin)
        self.posting.pop(alert.id, None)
        self.owed.pop(alert.id, None)
        self.messages[(alert.target_channel, post_ts)] = alert.id
        return alert.posted(post_ts)  # as DynamoDB's: the alert as given, not as stored now

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

    def unacknowledged(self, channel: str, seen_before: datetime, limit: int | None = None) -> Listing:
        found = sorted((a for a in self.alerts.values() if a.target_channel == channel and a.state is AlertState.OPEN
                        and a.first_seen <= seen_before and not a.silenced_by), key=lambda a: a.first_seen)
        return AlertListing(tuple(found[:limit]), len(found))

    def recently_handled(self, channel: str, since: datetime, limit: int | None = None) -> Listing:
        found = sorted((a for a in self.alerts.values() if a.target_channel == channel and a.handled_at
                        and a.handled_at >= since and not a.silenced_by), key=lambda a: a.handled_at or since)
        return AlertListing(tuple(found[:limit]), len(found))

    def relist(self, limit: int) -> list[Alert]:
        return []  # the fake keeps no lists from before they were per channel

    def silenced(self, since: datetime, limit: int | None = None) -> list[Alert]:
        found = sorted((a for a in self.alerts.values() if a.silenced_by and a.first_seen >= since),
                       key=lambda a: a.first_seen)
        return found[:limit]

    def _save(self, alert: Alert) -> Alert:
        self.alerts[alert.id] = alert
        return alert


class InMemoryConfiguration:
    def __init__(self, snapshot: Configuration | None = None) -> None:
        self.snapshot = snapshot or Configuration()
        self.entries: list[AuditEntry] = []
        self.version_reads = 0
        self.silences: InMemorySilences | None = None  # where an import's silences go, in its commit
        self.loads = 0

    def stamp(self) -> str:
        self.version_reads += 1
        return self.snapshot.stamp

    def load(self) -> Configuration:
        self.loads += 1
        return self.snapshot

    def commit(self, base: Configuration, changed: Configuration, entry: AuditEntry,
               silences: Sequence[Silence] = ()) -> Configuration:
        kept = self.silences.silences if self.silences is not None else {}
        if base.version != self.snapshot.version or any(silence.id in kept for silence in silences):
            raise ConfigurationConflict("changed meanwhile")  # as DynamoDB's transaction: all of it, or nothing
        assert self.silences is not None or not silences, "the store wires its silences in"
        kept.update({silence.id: silence for silence in silences})
        self.snapshot = replace(changed, version=base.version + 1, stamp=f"s{base.version + 1}")
        self.entries.insert(0, entry)
        return self.snapshot

    def audit_trail(self, limit: int) -> list[AuditEntry]:
        return self.entries[:limit]

    def note(self, entry: AuditEntry) -> None:
        self.entries.insert(0, entry)


class InMemorySilences:
    """Silences held in memory; each change appends its audit entry where the configuration's go."""

    def __init__(self, entries: list[AuditEntry] | None = None) -> None:
        self.silences: dict[str, Silence] = {}
        self.entries: list[AuditEntry] = [] if entries is None else entries
        self.reads = 0

    def all(self) -> list[Silence]:
        self.reads += 1
        return list(self.silences.values())

    def get(self, silence_id: str) -> Silence | None:
        return self.silences.get(silence_id)

    def add(self, silence: Silence, entry: AuditEntry) -> None:
        assert silence.id not in self.silences, "as DynamoDB's conditional put"
        self.silences[silence.id] = silence
        self.entries.insert(0, entry)

    def end(self, ended: Silence, entry: AuditEntry) -> bool:
        stored = self.silences.get(ended.id)
        if stored is None or stored.ends_at <= ended.ends_at:
            return False
        self.silences[ended.id] = replace(stored, ends_at=ended.ends_at, expired_by=ended.expired_by)
        self.entries.insert(0, entry)
        return True


class InMemoryHosts:
    """Hosts held in memory, changed as DynamoDB's are: each host's changes applied in order."""

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}

    def record(self, changes: Sequence[HostChange]) -> None:
        for change in changes:
            self.hosts[change.host] = apply_to_host(self.hosts.get(change.host), change)

    def all(self) -> list[Host]:
        return [self.hosts[name] for name in sorted(self.hosts)]


class InMemoryDigests:
    LOCK = timedelta(seconds=60)  # as DynamoDB's: a dead sweep's lock is taken over after it

    def __init__(self) -> None:
        self.posts: dict[str, DigestPost] = {}
        self.locked: dict[str, datetime] = {}
        self.drawn_as_of: dict[str, datetime] = {}
        self.enlisted: set[str] = set()

    def all(self) -> dict[str, DigestPost]:
        return {**{channel: DigestPost(channel, None, None) for channel in self.enlisted}, **self.posts}

    def enlist(self, channel: str) -> None:
        self.enlisted.add(channel)

    def lock(self, channel: str, now: datetime, drawn_before: datetime | None = None) -> DigestPost | None:
        post = self.posts.get(channel, DigestPost(channel, None, None))
        if (channel in self.locked and self.locked[channel] > now) or self.drawn_as_of.get(channel, now) > now or \
                (drawn_before is not None and post.drawn_at is not None and post.drawn_at > drawn_before):
            return None
        self.locked[channel] = now + self.LOCK
        self.drawn_as_of[channel] = now
        return post

    def release(self, post: DigestPost) -> None:
        self.posts[post.channel] = post
        self.locked.pop(post.channel, None)


class InMemoryPages:
    """Pages as DynamoPages keeps them; `lagging_index` lists every active page and timer as due, as
    DynamoDB's eventually consistent index may for a moment: the conditional writes must still hold."""

    def __init__(self, timers: dict[str, datetime] | None = None) -> None:
        self.pages: dict[str, Page] = {}
        self.by_message: dict[tuple[str, str], str] = {}
        self.timers: dict[str, datetime] = {} if timers is None else timers
        self.lagging_index = False

    def start(self, page: Page) -> bool:
        if page.id in self.pages:
            return False
        self.pages[page.id] = page
        if page.id.startswith("mention/"):
            _, channel, ts = page.id.split("/", 2)
            self.by_message[(channel, ts)] = page.id
        elif page.id.startswith("incident/"):  # as DynamoDB's: a handled reaction on its thread acknowledges
            self.by_message[(page.channel, page.ts)] = page.id
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


class InMemoryIncidents:
    """Incidents as DynamoDB keeps them (klaxon.dynamo.incidents): versions, entries as markers, the indexes."""

    def __init__(self) -> None:
        self.incidents: dict[str, Incident] = {}
        self.due_at: dict[str, datetime] = {}
        self.entries: dict[tuple[str, str], TimelineEntry] = {}
        self.marks: dict[tuple[str, str], set[str]] = {}
        self.declarations: dict[str, str] = {}
        self.channels: dict[str, str] = {}
        self.alerts: dict[str, str] = {}
        self.keywords: dict[str, set[str]] = {}
        self.lagging_index = False  # list every incident with a due time as due, as a lagging index may
        self.reads = 0  # for tests that count the "is this a comms channel?" reads

    def declare(self, incident: Incident, key: str, entries: Sequence[TimelineEntry],
                due_at: datetime | None) -> tuple[Incident, bool]:
        if key in self.declarations:
            return self.incidents[self.declarations[key]], False
        taken = [alert_id for alert_id in incident.alert_ids if alert_id in self.alerts]
        if taken:
            raise AlertTaken(self.alerts[taken[0]])
        self.declarations[key] = incident.id
        self.alerts |= {alert_id: incident.id for alert_id in incident.alert_ids}
        self.incidents[incident.id] = incident
        self._due(incident.id, due_at)
        self.entries |= {(entry.incident_id, entry.key): entry for entry in entries}
        return incident, True

    def get(self, incident_id: str) -> Incident | None:
        return self.incidents.get(incident_id)

    def record(self, incident_id: str, consistent: bool = False) -> IncidentRecord | None:
        incident = self.incidents.get(incident_id)
        return IncidentRecord(incident, tuple(ordered(self.timeline(incident_id)))) if incident else None

    def declared_since(self, since: datetime, limit: int | None = None) -> list[Incident]:
        found = sorted((i for i in self.incidents.values() if i.declared_at >= since),
                       key=lambda i: i.declared_at, reverse=True)
        return found[:limit]

    def in_channel(self, channel: str) -> str | None:
        self.reads += 1
        return self.channels.get(channel)

    def of_alert(self, alert_id: str) -> str | None:
        return self.alerts.get(alert_id)

    def save(self, before: Incident, after: Incident, entries: Sequence[TimelineEntry],
             due_at: datetime | None) -> Incident:
        if any((entry.incident_id, entry.key) in self.entries for entry in entries):
            raise AlreadyApplied(after.id)
        stored = self.incidents[after.id]
        if stored.version != before.version:
            raise IncidentConflict(after.id)
        saved = replace(after, version=before.version + 1)
        self.incidents[after.id] = replace(saved, reminders=stored.reminders)  # changes never touch them
        self._due(after.id, due_at)
        self.entries |= {(entry.incident_id, entry.key): entry for entry in entries}
        if after.comms_channel and after.comms_channel != before.comms_channel:
            self.channels[after.comms_channel] = after.id
        return saved

    def due(self, now: datetime, limit: int | None = None) -> list[Incident]:
        found = sorted((at, incident_id) for incident_id, at in self.due_at.items()
                       if self.lagging_index or at <= now)
        return [self.incidents[incident_id] for _, incident_id in found][:limit]

    def take_reminders(self, incident: Incident, now: datetime) -> bool:
        due_at = self.due_at.get(incident.id)
        return self.incidents[incident.id].version == incident.version and due_at is not None and due_at <= now

    def record_reminders(self, incident: Incident, sent: Mapping[str, int], due_at: datetime | None) -> bool:
        stored = self.incidents[incident.id]
        if stored.version != incident.version:
            return False
        self.incidents[incident.id] = replace(stored, reminders=dict(sent))
        self._due(incident.id, due_at)
        return True

    def has_entry(self, incident_id: str, key: str) -> bool:
        return (incident_id, key) in self.entries

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        return [entry for (owner, _), entry in self.entries.items() if owner == incident_id]

    def mark_pin(self, entry: TimelineEntry, mark: str) -> None:
        where = (entry.incident_id, entry.key)
        kept = self.entries.get(where)
        self.entries[where] = replace(entry, at=kept.at, by=kept.by) if kept else entry
        self.marks.setdefault(where, set()).add(mark)

    def unmark_pin(self, incident_id: str, key: str, mark: str) -> None:
        where = (incident_id, key)
        if where not in self.entries:
            return
        self.marks.get(where, set()).discard(mark)
        if not self.marks.get(where):
            self.entries.pop(where)
            self.marks.pop(where, None)

    def claim_keyword(self, incident_id: str, keyword_id: str) -> bool:
        replied = self.keywords.setdefault(incident_id, set())
        if incident_id not in self.incidents or keyword_id in replied:
            return False
        replied.add(keyword_id)
        return True

    def release_keyword(self, incident_id: str, keyword_id: str) -> None:
        self.keywords.get(incident_id, set()).discard(keyword_id)

    def _due(self, incident_id: str, due_at: datetime | None) -> None:
        if due_at:
            self.due_at[incident_id] = due_at
        else:
            self.due_at.pop(incident_id, None)


class InMemoryPeople:
    """Direct-message channels remembered per person, as DynamoPeople keeps them."""

    def __init__(self) -> None:
        self.dm_channels: dict[str, str] = {}

    def dm_channel(self, user: str) -> str | None:
        return self.dm_channels.get(user)

    def remember_dm_channel(self, user: str, channel: str) -> None:
        self.dm_channels[user] = channel


class InMemoryDirectorySnapshots:
    """The directory snapshot and its refresh (as DynamoDirectory keeps them: staged pages, then an index)."""

    def __init__(self) -> None:
        self.refresh: Refresh | None = None
        self.staged: dict[str, list[Listing]] = {}
        self.snapshot: Snapshot | None = None
        self.names: dict[str, Listing] = {}
        self.finds = 0

    def current(self) -> Snapshot | None:
        return self.snapshot

    def find(self, snapshot: Snapshot, key: str) -> Listing | None:
        self.finds += 1
        return self.names.get(key)

    def progress(self) -> Refresh | None:
        return self.refresh

    def begin(self, last: Refresh | None, refresh: Refresh) -> bool:
        if self.refresh != last:
            return False
        self.refresh = refresh
        return True

    def stage(self, before: Refresh, after: Refresh, listings: Sequence[Listing]) -> bool:
        if self.refresh != before:
            return False
        self.staged.setdefault(before.generation, []).extend(listings)
        self.refresh = after
        return True

    def publish(self, refresh: Refresh, built_at: datetime) -> Snapshot:
        self.names = index(self.staged.get(refresh.generation, []))
        self.snapshot = Snapshot(refresh.generation, built_at, refresh.people_pages, len(self.names))
        return self.snapshot


@dataclass
class InMemoryStore:
    claims: InMemoryClaims = field(default_factory=InMemoryClaims)
    alerts: InMemoryAlerts = field(default_factory=InMemoryAlerts)
    configuration: InMemoryConfiguration = field(default_factory=InMemoryConfiguration)
    digests: InMemoryDigests = field(default_factory=InMemoryDigests)
    boards: InMemoryDigests = field(default_factory=InMemoryDigests)
    hosts: InMemoryHosts = field(default_factory=InMemoryHosts)
    incidents: InMemoryIncidents = field(default_factory=InMemoryIncidents)
    directory: InMemoryDirectorySnapshots = field(default_factory=InMemoryDirectorySnapshots)
    people: InMemoryPeople = field(default_factory=InMemoryPeople)
    pages: InMemoryPages = field(init=False)
    messages: InMemoryMessages = field(init=False)
    silences: InMemorySilences = field(init=False)

    def __post_init__(self) -> None:
        # An alert whose rule names a policy comes with its ack timer, as in DynamoDB's transaction.
        self.pages = InMemoryPages(timers=self.alerts.timers)
        self.messages = InMemoryMessages(self.alerts, self.pages)
        self.silences = InMemorySilences(entries=self.configuration.entries)  # one audit trail, as in DynamoDB
        self.configuration.silences = self.silences


@dataclass
class FakeSlack:
    """Records what Klaxon would have asked Slack to do."""

    posts: list[Alert] = field(default_factory=list)
    updates: list[Alert] = field(default_factory=list)
    handled_marks: list[tuple[str, str, str]] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    message_reactions: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    digests: list[Digest] = field(default_factory=list)
    reminders: list[tuple[str, AlertListing]] = field(default_factory=list)
    boards: list[tuple[str, Board]] = field(default_factory=list)
    busy: bool = False
    notes: list[tuple[str, str, str]] = field(default_factory=list)
    said: list[tuple[str, str]] = field(default_factory=list)
    pages_sent: list[tuple[str, str, int]] = field(default_factory=list)
    dms_opened: list[str] = field(default_factory=list)  # conversations.open, one a person
    pages_closed: list[tuple[str, str]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    # People Slack will never let Klaxon message, with its error code (user_disabled: they left).
    refused_people: dict[str, str] = field(default_factory=dict)
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

    def post_board(self, channel: str, board: Board) -> str:
        if channel in self.closed_channels:
            raise ChannelUnreachable(channel, "channel_not_found")
        self.boards.append((channel, board))
        return f"1800000400.{len(self.boards):06d}"

    def update_board(self, channel: str, ts: str, board: Board) -> None:
        self.boards.append((channel, board))
        self.calls.append(("update_board", ts))

    def post_reminder(self, channel: str, overdue: AlertListing) -> str:
        self.reminders.append((channel, overdue))
        return f"1800000200.{len(self.reminders):06d}"

    # Paging's notes are kept as Slack words them (the real renderer), as (channel, thread ts, text).
    def tell_paging(self, page: Page, step: int, reached: LevelReached) -> None:
        self._note(page.channel, page.ts, paging_notes.paging_note(page, step, reached))

    def tell_page_acknowledged(self, page: Page) -> None:
        self._note(page.channel, page.ts, paging_notes.acknowledged_note(page))

    def tell_page_dropped(self, page: Page) -> None:
        self._note(page.channel, page.ts, paging_notes.dropped_note(page))

    def tell_no_page(self, channel: str, ts: str, why: NoPage) -> None:
        self._note(channel, ts, paging_notes.no_page_note(channel, why))

    def tell_policy_missing(self, alert: Alert) -> None:
        self._note(*alert.thread or ("", ""), paging_notes.policy_missing_note(alert))

    def tell_page_silenced(self, alert: Alert, silence_id: str) -> None:
        self._note(*alert.thread or ("", ""), paging_notes.page_silenced_note(alert, silence_id))

    def _note(self, channel: str, ts: str, text: str) -> None:
        """A note in a thread, as the gateway makes it: none without a thread to make it in."""
        if ts:
            self.notes.append((channel, ts, text))

    def answer_direct_message(self, channel: str, reply: str | None) -> None:
        self.said.append((channel, paging_notes.direct_message_reply(reply)))

    def open_direct_message(self, user: str) -> str:
        if user in self.refused_people:
            raise PersonUnreachable(user, self.refused_people[user])
        self.dms_opened.append(user)
        return f"D{user}"

    def page_person(self, user: str, channel: str, page: Page, step: int) -> str:
        if self.unreachable & {user}:
            raise ConnectionError(f"cannot reach {user}")
        assert channel == f"D{user}", f"{user} paged in {channel}, not their direct messages"
        self.pages_sent.append((user, page.id, step))
        return f"1800000300.{len(self.pages_sent):06d}"

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        self.pages_closed.append((notification.user, page.id))


@dataclass
class FakeIncidentSlack:
    """Records what Klaxon would have asked Slack to do for incidents; `refusals` (method → Slack's error
    code, or a list of codes used up in turn) make Slack refuse, `taken` holds channel names in use."""

    headlines: dict[str, Incident] = field(default_factory=dict)  # ts → the incident as last drawn
    headline_draws: list[str] = field(default_factory=list)  # incident ids, once per post or redraw
    channels: dict[str, tuple[str, bool]] = field(default_factory=dict)  # id → (name, private)
    taken: set[str] = field(default_factory=set)
    invited: list[tuple[str, str]] = field(default_factory=list)
    topics: dict[str, str] = field(default_factory=dict)
    bookmarks: list[tuple[str, str]] = field(default_factory=list)
    welcomed: list[str] = field(default_factory=list)
    announced: list[IncidentChanged] = field(default_factory=list)
    told: list[tuple[str, str | None, list[Setback]]] = field(default_factory=list)
    reminded: list[tuple[str, Reminder]] = field(default_factory=list)
    postmortems: list[tuple[str, str]] = field(default_factory=list)
    unreachable_people: dict[str, str] = field(default_factory=dict)  # person → Slack's code (user_disabled …)
    postmortem_files: list[tuple[str, str, str, str]] = field(default_factory=list)  # (incident, channel, text, by)
    keyword_replies: list[tuple[str, str, str]] = field(default_factory=list)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    refusals: dict[str, str | list[str]] = field(default_factory=dict)

    def _refuse(self, method: str, subject: str = "") -> None:
        refusal = self.refusals.get(method)
        if isinstance(refusal, list):
            code = refusal.pop(0) if refusal else None
        else:
            code = refusal
        if code:
            raise SlackRefused(code, subject)

    def post_headline(self, incident: Incident, channel: str, doc: str | None) -> str:
        self._refuse("post_headline", channel)
        ts = f"1800000400.{len(self.headlines) + 1:06d}"
        self.headlines[ts] = incident
        self.headline_draws.append(incident.id)
        return ts

    def update_headline(self, incident: Incident, doc: str | None, now: datetime) -> None:
        assert incident.headline is not None
        self.headlines[incident.headline[1]] = incident
        self.headline_draws.append(incident.id)

    def create_channel(self, name: str, private: bool) -> str:
        self._refuse("create_channel", name)
        if name in self.taken:
            raise SlackRefused("name_taken", name)
        self.taken.add(name)
        channel = f"{'G' if private else 'C'}0INC{len(self.channels) + 1}"
        self.channels[channel] = (name, private)
        return channel

    def invite(self, channel: str, users: Sequence[str]) -> list[SlackRefused]:
        refused = []
        for user in users:
            code = self.refusals.get(f"invite:{user}")
            if isinstance(code, str):
                refused.append(SlackRefused(code, user))
            else:
                self.invited.append((channel, user))
        return refused

    def set_topic(self, channel: str, incident: Incident) -> None:
        self._refuse("set_topic", channel)
        self.topics[channel] = incident.summary

    def bookmark_doc(self, channel: str, doc: str) -> None:
        self._refuse("bookmark_doc", channel)
        self.bookmarks.append((channel, doc))

    def rename_channel(self, channel: str, name: str) -> None:
        self._refuse("rename_channel", name)
        if name in self.taken:
            raise SlackRefused("name_taken", name)
        self.channels[channel] = (name, self.channels[channel][1])

    def welcome(self, incident: Incident, doc: str | None) -> str:
        self._refuse("welcome", str(incident.comms_channel))
        self.welcomed.append(incident.id)
        return f"1800000500.{len(self.welcomed):06d}"

    def announce(self, change: IncidentChanged) -> None:
        self.announced.append(change)

    def tell(self, person: str, channel: str | None, setbacks: Sequence[Setback]) -> None:
        self.told.append((person, channel, list(setbacks)))

    def remind(self, incident: Incident, reminder: Reminder, now: datetime) -> None:
        self.reminded.append((incident.id, reminder))

    def ask_for_postmortem(self, incident: Incident, person: str, doc: str | None) -> None:
        if person in self.unreachable_people:
            raise PersonUnreachable(person, self.unreachable_people[person])
        self.postmortems.append((incident.id, person))

    def share_postmortem(self, incident: Incident, channel: str, markdown: str, by: str) -> None:
        self._refuse("share_postmortem", channel)
        self.postmortem_files.append((incident.id, channel, markdown, by))

    def message_text(self, channel: str, ts: str) -> str | None:
        return self.texts.get((channel, ts))

    def reply_keyword(self, channel: str, ts: str, reply: str) -> None:
        self._refuse("reply_keyword", channel)
        self.keyword_replies.append((channel, ts, reply))

    def permalink(self, channel: str, ts: str) -> str | None:
        return f"https://klaxon-demo.slack.com/archives/{channel}/p{ts.replace('.', '')}"


LINK_KEY = b"a-link-key-for-tests-only-32-chars!"
BASE_URL = "https://klaxon.example"


def signed_links(clock: FakeClock) -> SignedLinks:
    """Links as the functions make them, signed with the tests' key at the tests' clock."""
    return SignedLinks(key=lambda: LINK_KEY, base_url=lambda: BASE_URL, clock=clock)


DOC_LINKS = signed_links(FakeClock())


@dataclass
class FakeDirectory:
    """A workspace directory held in memory (klaxon.ports.SlackDirectory)."""

    channel_names: dict[str, str] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    group_handles: dict[str, str] = field(default_factory=dict)
    members: dict[str, frozenset[str]] = field(default_factory=dict)
    built_at: datetime | None = None
    complete: bool = True  # False: a big workspace, whose snapshot may lack a name

    def channel_named(self, name: str) -> str | None:
        return self.channel_names.get(name)

    def channel_exists(self, channel_id: str) -> bool:
        return channel_id in self.channel_names.values()

    def person_named(self, name: str) -> Person | None:
        return self.persons.get(name)

    def person(self, user_id: str) -> Person | None:
        return next((p for p in self.persons.values() if p.id == user_id), None)

    def group_named(self, handle: str) -> str | None:
        return self.group_handles.get(handle)

    def group_exists(self, group_id: str) -> bool:
        return group_id in self.group_handles.values()

    def group_members(self, group_id: str) -> frozenset[str]:
        return self.members.get(group_id, frozenset())

    def name(self, slack_id: str) -> str | None:
        person = self.person(slack_id)
        channel = next((name for name, found in self.channel_names.items() if found == slack_id), None)
        return person.name if person else channel

    def workspace_url(self) -> str | None:
        return "https://klaxon-demo.slack.com/"

    def as_of(self) -> datetime | None:
        return self.built_at

    def knows_everyone(self) -> bool:
        return self.complete


@dataclass
class FakeWorkspaceSlack:
    """Slack's answers about a workspace (klaxon.directory.ports.WorkspaceSlack), with every call counted and
    lists paged `page_size` at a time; `busy_after` makes the calls after that many raise SlackBusy."""

    people: list[Person] = field(default_factory=list)
    channels: dict[str, str] = field(default_factory=dict)  # name → id
    group_handles: dict[str, str] = field(default_factory=dict)
    page_size: int = 1000
    busy_after: int | None = None
    calls: list[str] = field(default_factory=list)

    def _call(self, method: str) -> None:
        if self.busy_after is not None and len(self.calls) >= self.busy_after:
            raise SlackBusy(method, 30)
        self.calls.append(method)

    def channel_exists(self, channel_id: str) -> bool:
        self._call("conversations.info")
        return channel_id in self.channels.values()

    def person(self, user_id: str) -> Person | None:
        self._call("users.info")
        return next((p for p in self.people if p.id == user_id), None)

    def groups(self, fresh: bool = False) -> dict[str, str]:
        self._call("usergroups.list")
        return dict(self.group_handles)

    def group_members(self, group_id: str) -> frozenset[str]:
        self._call("usergroups.users.list")
        return frozenset()

    def name(self, slack_id: str) -> str | None:
        return None

    def workspace_url(self) -> str | None:
        return None

    def people_page(self, cursor: str | None = None) -> ListPage:
        self._call("users.list")
        start = int(cursor or 0)
        chunk = self.people[start:start + self.page_size]
        more = start + self.page_size < len(self.people)
        return ListPage(tuple(Listing(ListingKind.PERSON, p.id, (p.name,), p.bot_id, p.tz) for p in chunk),
                        str(start + self.page_size) if more else None)

    def channels_page(self, cursor: str | None = None) -> ListPage:
        self._call("conversations.list")
        return ListPage(tuple(Listing(ListingKind.CHANNEL, i, (n,)) for n, i in self.channels.items()))

    def groups_page(self) -> ListPage:
        self._call("usergroups.list")
        return ListPage(tuple(Listing(ListingKind.GROUP, i, (h,)) for h, i in self.group_handles.items()))


def wired(store: InMemoryStore, slack: FakeSlack, clock: FakeClock, config: Configuration | None = None, *,
          directory: SlackDirectory | None = None, incidents_channel: str | None = None,
          metrics: list[Measurement] | None = None, admins: frozenset[str] = frozenset(),
          incident_slack: FakeIncidentSlack | None = None) -> Services:
    """Services wired as the functions wire them (klaxon.bootstrap: the real subscribers), on the fakes."""
    snapshot = config or Configuration()
    return bootstrap.services(store=store, slack=slack, directory=directory or FakeDirectory(), clock=clock,
                              configuration=lambda: snapshot, incidents_channel=incidents_channel, admin_users=admins,
                              count=(metrics if metrics is not None else []).append,
                              incident_slack=incident_slack or FakeIncidentSlack(), doc_links=signed_links(clock))


def take(message: ChannelMessage, *, config: Configuration, me: Identity, store: InMemoryStore, slack: FakeSlack,
         now: datetime) -> Judgement:
    """The intake for one channel message at `now`, wired as the Slack function wires it."""
    return take_message(message, wired(store, slack, FakeClock(now), config).intake(me))


@dataclass
class RecordedSegment:
    """A trace segment as RecordingTrace keeps it: its name and annotations."""

    name: str
    annotations: dict[str, str | int | bool] = field(default_factory=dict)

    def put_annotation(self, key: str, value: str | int | bool) -> None:
        self.annotations[key] = value


@dataclass
class RecordingTrace:
    """A trace (klaxon.tracing.Trace) that keeps every segment opened, in order."""

    segments: list[RecordedSegment] = field(default_factory=list)

    @contextmanager
    def segment(self, name: str) -> Iterator[RecordedSegment]:
        opened = RecordedSegment(name)
        self.segments.append(opened)
        yield opened

    @property
    def names(self) -> list[str]:
        return [segment.name for segment in self.segments]


@dataclass
class FakeInstallation:
    """What Slack says of Klaxon's installation (klaxon.doctor.ports.Installation), held in memory."""

    scopes: frozenset[str] = frozenset()
    channels: dict[str, ChannelFacts] = field(default_factory=dict)  # every channel in the workspace, by id
    refused: str | None = None  # Slack's error for the token, if it refuses it
    team: str = "Klaxon Demo"

    def installed(self) -> Installed:
        if self.refused:
            raise InstallationRefused(self.refused)
        return Installed(self.team, "U0KLAXON", self.scopes)

    def joined(self) -> dict[str, ChannelFacts]:
        return {channel.id: channel for channel in self.channels.values() if channel.member}

    def channel(self, channel_id: str) -> ChannelFacts | None:
        found = self.channels.get(channel_id)
        return None if found is None or (found.private and not found.member) else found
