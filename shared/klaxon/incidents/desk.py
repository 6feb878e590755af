"""What incident work needs (`IncidentDesk`), and how an incident changes: once, never lost to a racing change.

A change is computed from the incident as last committed and committed with its timeline entries on the
condition that nobody changed the incident meanwhile; on a conflict it is computed again from the newer
incident, so concurrent commands never lose one another's change. Entries are keyed by where the change
came from (the Slack delivery), so a delivery worked on twice - Lambda retrying work that failed after
the commit - finds its entries stored and changes nothing twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time

from klaxon.clock import Clock
from klaxon.configuration.model import Configuration, Preferences
from klaxon.events import Publish
from klaxon.incidents.events import IncidentChanged, Via
from klaxon.incidents.model import Incident, IncidentError
from klaxon.incidents.ports import AlreadyApplied, DocLinks, IncidentConflict, IncidentRepository, IncidentSlack
from klaxon.incidents.reminders import ReminderSettings, next_due
from klaxon.incidents.timeline import EntryKind, TimelineEntry
from klaxon.paging.service import Pager
from klaxon.ports import EventClaims, SlackDirectory

ATTEMPTS = 8  # each round of racing changes lets one through; a busy channel settles well within this


@dataclass(frozen=True)
class Note:
    """What a change records on the timeline: its kind, and what happened in Slack's markup."""

    kind: EntryKind
    text: str


@dataclass(frozen=True)
class Edited:
    """An incident as a change leaves it, and what the change records on the timeline (nothing: bookkeeping,
    such as where the headline post is, which nobody needs telling about)."""

    incident: Incident
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class IncidentDesk:
    """What incident work uses, for one unit of work (klaxon.services builds it), with the configuration as it
    was when the work began.

    `delivery` is the Slack delivery being worked on (its event or trigger id), which makes each of its
    changes happen once; `incidents_channel` is where headline posts go (else where the incident was declared).
    """

    incidents: IncidentRepository
    claims: EventClaims
    slack: IncidentSlack
    links: DocLinks
    directory: SlackDirectory
    config: Configuration
    clock: Clock
    publish: Publish
    pager: Callable[[], Pager]
    incidents_channel: str | None = None
    delivery: str | None = None

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def cadence(self) -> ReminderSettings:
        """The reminders' cadences, as `/klaxon settings incident-reminders` set them."""
        return cadence(self.config.preferences)

    def next_due(self, incident: Incident) -> datetime | None:
        """When the sweep should look at the incident's reminders next (None: never again)."""
        return next_due(incident, self.cadence, incident.reminders, self.now)

    def doc(self, incident: Incident) -> str | None:
        return self.links.doc_url(incident)

    def find(self, incident_id: str) -> Incident:
        incident = self.incidents.get(incident_id)
        if incident is None:
            raise IncidentError(f"there is no incident `{incident_id[:40]}`")
        return incident


def cadence(preferences: Preferences) -> ReminderSettings:
    """Reminder cadences from the workspace's settings (SPEC §4's defaults until an admin changes them)."""
    start, end = (clock_time.fromisoformat(hour) for hour in preferences.incident_close_hours)
    return ReminderSettings(
        no_lead_after=timedelta(seconds=preferences.incident_no_lead_seconds),
        no_severity_after=timedelta(seconds=preferences.incident_no_severity_seconds),
        no_update_after_severe=timedelta(seconds=preferences.incident_no_update_severe_seconds),
        no_update_after=timedelta(seconds=preferences.incident_no_update_seconds),
        break_after=timedelta(seconds=preferences.incident_break_seconds),
        working_hours=(start, end), zone=preferences.incident_zone,
        max_times=preferences.incident_reminder_times)


def change(desk: IncidentDesk, incident_id: str, edit: Callable[[Incident], Edited], *, by: str | None, via: Via,
           step: str, origin: str | None = None) -> Incident:
    """Commit `edit` of the incident as last committed; again from the newer one if someone got there first.

    `step` names the change within its origin (the Slack delivery, unless `origin` names another: a page
    acknowledged) so its entries are keyed once. A change with entries is told to the subscribers
    (IncidentChanged). Returns the incident as committed; IncidentError when the edit refuses.
    """
    at = desk.now
    source = f"{origin or desk.delivery or at.isoformat()}/{step}"
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))  # let the racing change finish first
        before = desk.find(incident_id)
        try:
            edited = edit(before)
        except IncidentError:
            if (origin or desk.delivery) and desk.incidents.has_entry(incident_id, entry_key(source, 0)):
                return before  # refused only because an earlier attempt at this very change committed it
            raise
        entries = entries_of(before.id, edited.notes, by, at, source)
        try:
            after = desk.incidents.save(before, edited.incident, entries, desk.next_due(edited.incident))
        except IncidentConflict:
            continue
        except AlreadyApplied:
            return before  # an earlier attempt at this delivery committed it
        if entries:
            desk.publish(IncidentChanged(before, after, by, at, via, entries))
        return after
    raise IncidentError("the incident kept changing while this was being done; nothing was changed, try again")


def entries_of(incident_id: str, notes: Sequence[Note], by: str | None, at: datetime,
               source: str) -> tuple[TimelineEntry, ...]:
    """Timeline entries for a change's notes, keyed by where the change came from (`source`)."""
    return tuple(TimelineEntry(incident_id=incident_id, key=entry_key(source, n), at=at, kind=note.kind, by=by,
                               text=note.text) for n, note in enumerate(notes))


def entry_key(source: str, n: int) -> str:
    """The key of a change's n-th entry: `<origin>/<step>/<n>` (the origin a delivery, a page, an alert)."""
    return f"{source}/{n}"
