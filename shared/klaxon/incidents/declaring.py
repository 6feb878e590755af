"""Declaring an incident (SPEC §4): what its form said becomes the incident, its headline post, and - for
severity 1-2 or a private incident - its comms channel and a page.

A form is one declaration however often it is submitted (a double click, a retried delivery): the
incident is stored under the form's view id, once, and each later step (headline, channel, page) is
done once by a claim of its own, so a retry finishes what a failed attempt left and repeats nothing.
An incident declared from an alert's post names the alert; an alert has at most one incident.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from klaxon.incidents.comms import needs_channel, open_comms_channel
from klaxon.incidents.desk import Edited, IncidentDesk, Note, change, entries_of
from klaxon.incidents.escalation import SEVERITY, page_incident
from klaxon.incidents.events import IncidentDeclared, Via
from klaxon.incidents.model import Incident, Severity
from klaxon.incidents.outcomes import ALERT_TAKEN, Setback, Step
from klaxon.incidents.ports import AlertTaken, SlackRefused
from klaxon.incidents.timeline import EntryKind


@dataclass(frozen=True)
class Declaration:
    """What the declaring form said (texts in Slack's markup), who sent it, and where it came from."""

    summary: str
    reporter: str
    form: str  # the form's view id: one declaration however often it is submitted
    impact: str = ""
    severity: Severity | None = None
    lead: str | None = None
    private: bool = False
    channel: str | None = None  # where it was declared: that channel's policy pages, and problems are told
    message: tuple[str, str] | None = None  # declared from this message (the "Declare incident" shortcut)
    alert_id: str | None = None  # declared from this alert's post


@dataclass(frozen=True)
class Declared:
    """The incident a declaration made (or found), or the one its alert already had."""

    incident: Incident | None
    new: bool = False
    taken_by: str | None = None  # the alert already had this incident: nothing was declared


def incident_id(form: str, at: datetime) -> str:
    """`20261129-3fa2c1d4`: the day, and a digest of the form (the same form, the same id)."""
    return f"{at:%Y%m%d}-{hashlib.sha256(form.encode()).hexdigest()[:8]}"


def declare(declaration: Declaration, desk: IncidentDesk) -> Declared:
    """Store the incident once, then see to its headline post, comms channel and page."""
    now = desk.now
    incident = Incident(
        id=incident_id(declaration.form, now), summary=declaration.summary, impact=declaration.impact,
        severity=declaration.severity, reporter=declaration.reporter, lead=declaration.lead,
        lead_since=now if declaration.lead else None, declared_at=now, private=declaration.private,
        origin_channel=declaration.channel, alert_ids=(declaration.alert_id,) if declaration.alert_id else ())
    entries = entries_of(incident.id, _first_notes(declaration, desk), declaration.reporter, now, "declared")
    try:
        stored, new = desk.incidents.declare(incident, f"form:{declaration.form}", entries, desk.next_due(incident))
    except AlertTaken as taken:
        desk.slack.tell(declaration.reporter, declaration.channel,
                        [Setback(Step.DECLARE, ALERT_TAKEN, taken.incident_id)])
        return Declared(None, taken_by=taken.incident_id)
    desk.publish(IncidentDeclared(stored, declaration.alert_id, new))
    return Declared(set_up(stored, declaration.reporter, declaration.channel, desk), new)


def set_up(incident: Incident, asker: str, asked_in: str | None, desk: IncidentDesk) -> Incident:
    """What a declared incident has: its headline post, then (severity 1-2, private) its comms channel, then
    (at the paging severity) a page. Each is done once; a retry does what an earlier attempt did not."""
    incident = post_headline(incident, asker, desk)
    if needs_channel(incident):
        incident = open_comms_channel(incident.id, asker, asked_in, desk)
    if incident.severity and incident.severity.at_least(desk.config.preferences.incident_paging_severity):
        setback = page_incident(incident, None, asker, SEVERITY, desk)
        if setback:
            desk.slack.tell(asker, asked_in, [setback])
    return desk.find(incident.id)


def post_headline(incident: Incident, asker: str, desk: IncidentDesk) -> Incident:
    """Post the headline post, once, in the incidents channel (else where the incident was declared)."""
    where = desk.incidents_channel or incident.origin_channel
    claim = f"headline:{incident.id}"
    if incident.headline or where is None or not desk.claims.claim(claim, desk.now):
        return incident
    try:
        ts = desk.slack.post_headline(incident, where, desk.doc(incident))
    except SlackRefused as refused:
        desk.claims.release(claim)
        desk.slack.tell(asker, incident.origin_channel, [Setback(Step.HEADLINE, refused.code, where)])
        return incident
    except Exception:
        desk.claims.release(claim)
        raise
    desk.claims.complete(claim, desk.now)
    return change(desk, incident.id, lambda current: Edited(current.with_headline(where, ts)), by=asker,
                  via=Via.KLAXON, step="headline")


def _first_notes(declaration: Declaration, desk: IncidentDesk) -> tuple[Note, ...]:
    severity = declaration.severity.label if declaration.severity else "no severity yet"
    notes = [Note(EntryKind.DECLARED, f"declared ({severity}): {declaration.summary}")]
    if declaration.message:
        link = desk.slack.permalink(*declaration.message)
        notes.append(Note(EntryKind.PIN, f"declared from <{link}|a message>" if link else "declared from a message"))
    if declaration.alert_id:
        notes.append(Note(EntryKind.ALERT, f"declared from alert `{declaration.alert_id}`"))
    return tuple(notes)
