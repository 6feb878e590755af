"""The incident doc (SPEC §4): everything Klaxon recorded about one incident, gathered for its page.

The incident and its timeline come from one query of the incident's partition; the alerts it was declared
from and the pages it started are read by their ids (usually none or one of each).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from klaxon.alerts.ports import AlertRepository
from klaxon.incidents.ports import IncidentRepository
from klaxon.incidents.timeline import IncidentRecord
from klaxon.paging.ports import PageRepository


@dataclass(frozen=True)
class LinkedAlert:
    """An alert the incident was declared from: its label, first line, state, and where the original is."""

    id: str
    label: str
    headline: str  # in Slack's markup, as the alert keeps its text
    state: str  # open, acknowledged or resolved
    first_seen: datetime
    link: str | None


@dataclass(frozen=True)
class LinkedPage:
    """A page the incident started: its policy, how it ended (so far), and who stopped it when."""

    policy: str
    state: str  # active, acknowledged or exhausted
    started_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class IncidentDoc:
    """One incident's record with its linked alerts and pages."""

    record: IncidentRecord
    alerts: tuple[LinkedAlert, ...] = ()
    pages: tuple[LinkedPage, ...] = ()

    @property
    def participation(self) -> list[tuple[str, int]]:
        """Who took part and how much: people by the timeline entries they made, most first (ties by id)."""
        made = Counter(entry.by for entry in self.record.timeline if entry.by)
        return sorted(made.items(), key=lambda pair: (-pair[1], pair[0]))


def read_doc(incident_id: str, incidents: IncidentRepository, alerts: AlertRepository,
             pages: PageRepository) -> IncidentDoc | None:
    """The doc of an incident, or None when there is no such incident."""
    record = incidents.record(incident_id)
    if record is None:
        return None
    linked_alerts = [alert for alert in map(alerts.get, record.incident.alert_ids) if alert is not None]
    linked_pages = [page for page in map(pages.get, record.incident.page_ids) if page is not None]
    return IncidentDoc(
        record=record,
        alerts=tuple(LinkedAlert(id=a.id, label=a.label, headline=a.headline, state=a.state.value,
                                 first_seen=a.first_seen, link=a.link) for a in linked_alerts),
        pages=tuple(LinkedPage(policy=p.policy.name, state=p.state.value, started_at=p.started_at,
                               acknowledged_by=p.acknowledged_by, acknowledged_at=p.acknowledged_at)
                    for p in linked_pages))
