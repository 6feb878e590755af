"""What declared incidents need from the outside world: where incidents are kept, what Slack does for them,
and where an incident's doc lives. DynamoDB (klaxon.dynamo.incidents) and Slack's Web API
(klaxon.slack.incidents) in the functions, in-memory fakes in unit tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from klaxon.incidents.events import IncidentChanged
from klaxon.incidents.model import Incident
from klaxon.incidents.outcomes import Setback
from klaxon.incidents.reminders import Reminder
from klaxon.incidents.timeline import IncidentRecord, TimelineEntry


class IncidentConflict(Exception):
    """The incident changed since it was read: read it again and make the change again."""


class AlreadyApplied(Exception):
    """This change was stored before (its timeline entries exist): a retried delivery, nothing to do twice."""


class AlertTaken(Exception):
    """The alert an incident was declared from already has one; `incident_id` is that one."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(f"the alert already has incident {incident_id}")
        self.incident_id = incident_id


class SlackRefused(Exception):
    """Slack refused a call made for someone: `code` is Slack's error (name_taken, restricted_action,
    ratelimited once the client's own retries are spent, missing_scope, not_in_channel, …), `subject` what
    it was about (a channel name, a user id), for telling that person why."""

    def __init__(self, code: str, subject: str = "") -> None:
        super().__init__(f"Slack refused: {code}" + (f" ({subject})" if subject else ""))
        self.code = code
        self.subject = subject


class IncidentRepository(Protocol):
    def declare(self, incident: Incident, key: str, entries: Sequence[TimelineEntry],
                due_at: datetime | None) -> tuple[Incident, bool]:
        """Store a new incident once per declaration `key` (its form's view id), with its first timeline
        entries; returns the stored incident and whether it is new (False: that form was submitted before).

        Raises AlertTaken when the alert it names already has an incident.
        """
        ...

    def get(self, incident_id: str) -> Incident | None:
        """The incident as last committed (a strongly consistent read)."""
        ...

    def record(self, incident_id: str, consistent: bool = False) -> IncidentRecord | None:
        """The incident and its whole timeline in one read (one query of the incident's own partition, paged
        past 1 MB), or None when there is no such incident. Eventually consistent unless `consistent` (at
        twice the read cost): pages people open read the other way."""
        ...

    def declared_since(self, since: datetime, limit: int | None = None) -> list[Incident]:
        """Incidents declared at or after `since`, newest first, at most `limit` (one query of the history
        index, never a scan)."""
        ...

    def in_channel(self, channel: str) -> str | None:
        """The incident whose comms channel `channel` is, or None: one small read."""
        ...

    def of_alert(self, alert_id: str) -> str | None:
        """The incident declared from an alert, or None."""
        ...

    def save(self, before: Incident, after: Incident, entries: Sequence[TimelineEntry],
             due_at: datetime | None) -> Incident:
        """Commit `after` and its timeline entries at once, if the incident is still at `before`'s version;
        returns it at its new version. `due_at` is when the sweep should look at its reminders next.

        Raises IncidentConflict when someone changed it meanwhile, AlreadyApplied when an entry exists
        (this change was committed by an earlier attempt).
        """
        ...

    def due(self, now: datetime, limit: int | None = None) -> list[Incident]:
        """Incidents whose next reminder has come, oldest first."""
        ...

    def take_reminders(self, incident: Incident, now: datetime) -> bool:
        """Whether the incident as read is still at its version and due by `now`, checked by a conditional
        write (it notes when its reminders were taken): a sweep holding a stale copy, or led by a lagging
        index, posts nothing early."""
        ...

    def record_reminders(self, incident: Incident, sent: Mapping[str, int], due_at: datetime | None) -> bool:
        """Record reminders sent (slot → times) and the next due time, if the incident is still at its
        version; False when it changed meanwhile (read it again)."""
        ...

    def has_entry(self, incident_id: str, key: str) -> bool:
        """Whether the timeline has an entry under `key` (a change's first entry: was it committed?)."""
        ...

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        """Every entry, in no particular order (klaxon.incidents.timeline.ordered sorts them)."""
        ...

    def mark_pin(self, entry: TimelineEntry, mark: str) -> None:
        """Add a mark (`pin`, or `pushpin:<user>`) to a pinned message's entry, creating it if needed."""
        ...

    def unmark_pin(self, incident_id: str, key: str, mark: str) -> None:
        """Take a mark away; the entry goes with its last mark."""
        ...

    def claim_keyword(self, incident_id: str, keyword_id: str) -> bool:
        """True the first time a keyword reply is claimed for the incident, False after."""
        ...

    def release_keyword(self, incident_id: str, keyword_id: str) -> None:
        """Give a claimed keyword reply back (its reply could not be posted): the retry may claim it again."""
        ...


class DocLinks(Protocol):
    """Links Klaxon puts in Slack to its pages: each signed and expiring (klaxon.web.links)."""

    def doc_url(self, incident: Incident) -> str | None:
        """A fresh link to the incident's doc page, or None when Klaxon has no public address or no link key."""
        ...

    def list_url(self) -> str | None:
        """A fresh link to the incident list page (the history), or None as for doc_url."""
        ...


class IncidentSlack(Protocol):
    """What Slack does for incidents, in the incident domain's words. Calls made for a person raise
    SlackRefused with Slack's reason, so that person can be told."""

    def post_headline(self, incident: Incident, channel: str, doc: str | None) -> str:
        """Post the headline post to `channel`; return its ts."""
        ...

    def update_headline(self, incident: Incident, doc: str | None, now: datetime) -> None:
        """Redraw the headline post in place (a deleted one is left alone)."""
        ...

    def create_channel(self, name: str, private: bool) -> str:
        """Create a channel (Klaxon its first member); return its id. SlackRefused("name_taken") when any
        channel, archived ones too, has the name."""
        ...

    def invite(self, channel: str, users: Sequence[str]) -> list[SlackRefused]:
        """Invite people; what Slack refused, person by person (one already there is not refused)."""
        ...

    def set_topic(self, channel: str, incident: Incident) -> None:
        """The comms channel's topic: the severity and the summary (the doc's link is its bookmark)."""
        ...

    def bookmark_doc(self, channel: str, doc: str) -> None: ...

    def rename_channel(self, channel: str, name: str) -> None: ...

    def welcome(self, incident: Incident, doc: str | None) -> str:
        """Klaxon's first post in the comms channel (what it is about, how to talk to Klaxon); its ts."""
        ...

    def announce(self, change: IncidentChanged) -> None:
        """Say a change in the incident's comms channel (who, what, with its note)."""
        ...

    def tell(self, person: str, channel: str | None, setbacks: Sequence[Setback]) -> None:
        """Tell the person who asked what could not be done, and what they can do: privately in `channel`
        (where they asked), else in a direct message."""
        ...

    def remind(self, incident: Incident, reminder: Reminder, now: datetime) -> None:
        """Post a reminder where the incident is worked on."""
        ...

    def ask_for_postmortem(self, incident: Incident, person: str, doc: str | None) -> None:
        """Direct-message `person` that the incident is closed and its postmortem is theirs to write;
        klaxon.ports.PersonUnreachable if Slack will not let Klaxon message them (they left, a bot)."""
        ...

    def share_postmortem(self, incident: Incident, channel: str, markdown: str, by: str) -> None:
        """Post the postmortem draft `markdown` to `channel` as a Markdown file, saying who asked for it."""
        ...

    def message_text(self, channel: str, ts: str) -> str | None:
        """What a message shows - its text, attachments and blocks, in Slack's markup (for a 📌 reaction, whose
        event carries none); None if it is gone."""
        ...

    def reply_keyword(self, channel: str, ts: str, reply: str) -> None:
        """Answer a message containing a keyword in its thread."""
        ...

    def permalink(self, channel: str, ts: str) -> str | None: ...
