"""Keeping people informed of a change (subscribers of IncidentChanged, wired in klaxon.bootstrap): the
headline post redrawn once, the comms channel told, a rising severity answered with a comms channel and a
page, the comms channel's topic kept to the summary, and - on close - the lead asked for the postmortem.

Each is idempotent or retried only when it failed (klaxon.messagebus), and reads what it needs afresh.
"""

from __future__ import annotations

from klaxon.alerts.model import SOURCE_ACTOR_PREFIX
from klaxon.events import AlertAcknowledged, AlertResolved
from klaxon.incidents.comms import needs_channel, open_comms_channel
from klaxon.incidents.desk import Edited, IncidentDesk, Note, change
from klaxon.incidents.escalation import SEVERITY, page_incident
from klaxon.incidents.events import IncidentChanged, Via
from klaxon.incidents.model import Incident
from klaxon.incidents.outcomes import Setback, Step
from klaxon.incidents.ports import SlackRefused
from klaxon.incidents.timeline import EntryKind
from klaxon.ports import PersonUnreachable

REDRAW_ATTEMPTS = 3


def redraw_headline(event: IncidentChanged, desk: IncidentDesk) -> None:
    """Redraw the headline post as the incident now is; again if a racing change landed while it was drawn,
    so the post never ends on an older version than the incident."""
    incident: Incident | None = event.after
    for _ in range(REDRAW_ATTEMPTS):
        if incident is None or incident.headline is None:
            return
        desk.slack.update_headline(incident, desk.doc(incident), desk.now)
        latest = desk.incidents.get(incident.id)
        if latest is None or latest.version <= incident.version:
            return
        incident = latest


def tell_the_channel(event: IncidentChanged, desk: IncidentDesk) -> None:
    """Say the change in the comms channel: every status change (closing from the headline post too), and
    any change the channel did not see being asked for (the headline's buttons and forms, `/incident`)."""
    if not event.after.comms_channel or event.via is Via.KLAXON:
        return
    moved = event.after.status is not event.before.status
    if moved or event.via in (Via.HEADLINE, Via.SLASH):
        desk.slack.announce(event)


def escalate_when_severe(event: IncidentChanged, desk: IncidentDesk) -> None:
    """A severity raised into 1-2 opens the comms channel; into the paging severity, it pages (once)."""
    before, after = event.before.severity, event.after.severity
    if after is None or after == before or event.after.is_closed or (before is not None and after > before):
        return
    incident = event.after
    asker = event.by or incident.reporter
    if needs_channel(incident):
        incident = open_comms_channel(incident.id, asker, incident.comms_channel, desk)
    if after.at_least(desk.config.preferences.incident_paging_severity):
        setback = page_incident(incident, None, asker, SEVERITY, desk)
        if setback:
            desk.slack.tell(asker, incident.comms_channel, [setback])


def keep_topic(event: IncidentChanged, desk: IncidentDesk) -> None:
    """The comms channel's topic says the summary: a new summary, a new topic."""
    incident = event.after
    if incident.comms_channel and incident.summary != event.before.summary:
        try:
            desk.slack.set_topic(incident.comms_channel, incident)
        except SlackRefused as refused:  # the channel works without it; whoever changed it hears why
            desk.slack.tell(event.by or incident.reporter, incident.comms_channel,
                            [Setback(Step.TOPIC, refused.code)])


def ask_for_postmortem(event: IncidentChanged, desk: IncidentDesk) -> None:
    """On close, the lead (else the reporter) is asked, in a direct message, to write the postmortem; a lead
    Slack will not let Klaxon message (who left since, say) leaves it to the reporter, and no one to ask
    leaves the draft to `@klaxon postmortem` - never a close retried for ever."""
    if not (event.after.is_closed and not event.before.is_closed):
        return
    incident = event.after
    for person in dict.fromkeys(p for p in (incident.lead, incident.reporter) if p):
        try:
            desk.slack.ask_for_postmortem(incident, person, desk.doc(incident))
            return
        except PersonUnreachable:
            continue


def note_alert(event: AlertAcknowledged | AlertResolved, desk: IncidentDesk) -> None:
    """An alert an incident was declared from was acknowledged or resolved: the incident's timeline says so."""
    incident_id = desk.incidents.of_alert(event.alert.id)
    if incident_id is None:
        return
    done = "acknowledged" if isinstance(event, AlertAcknowledged) else "resolved"
    who = event.by.removeprefix(SOURCE_ACTOR_PREFIX) if event.by.startswith(SOURCE_ACTOR_PREFIX) else f"<@{event.by}>"
    note = Note(EntryKind.ALERT, f"alert `{event.alert.id}` {done} by {who}")
    change(desk, incident_id, lambda current: Edited(current, (note,)), by=event.by, via=Via.KLAXON, step=done,
           origin=f"alert:{event.alert.id}:{event.by}:{event.at.isoformat()}")
