"""The sweep's part for incidents: the reminders that have come due (klaxon.incidents.reminders decides
which), each posted once, found through the `due` index - never by reading every incident.

An incident sits in the index at the time its soonest unspent reminder comes due (every change sets it);
the sweep reads only those, takes them with a conditional write that the incident is still as read and
due (the index lags, and a change may have moved a clock: nothing is posted early or on a stale copy),
posts what is due, and records what it sent with the next due time on the condition that the incident
has not changed meanwhile (else it reads it again). Each reminder is claimed before it is posted, so
overlapping sweeps post it once.
"""

from __future__ import annotations

from dataclasses import replace

from klaxon.incidents.desk import IncidentDesk
from klaxon.incidents.model import Incident
from klaxon.incidents.reminders import due

RECORD_ATTEMPTS = 5


def send_reminders(desk: IncidentDesk, limit: int) -> int:
    """Post every incident reminder due now (at most `limit` incidents a sweep); how many were posted."""
    posted = 0
    for incident in desk.incidents.due(desk.now, limit=limit):
        if not desk.incidents.take_reminders(incident, desk.now):
            continue  # changed since it was read, or not due yet: the next sweep reads it again
        sent = dict(incident.reminders)
        for reminder in due(incident, desk.cadence, sent, desk.now):
            claim = f"incident-reminder:{incident.id}:{reminder.slot}:{reminder.nth}"
            if not desk.claims.claim(claim, desk.now):
                continue  # posted already, or an overlapping sweep is posting it
            try:
                desk.slack.remind(incident, reminder, desk.now)
            except Exception:
                desk.claims.release(claim)
                raise
            desk.claims.complete(claim, desk.now)
            sent[reminder.slot] = reminder.nth
            posted += 1
        _record(incident, sent, desk)
    return posted


def _record(incident: Incident, sent: dict[str, int], desk: IncidentDesk) -> None:
    """Keep what was sent and when to look again, on the incident as it now is."""
    current: Incident | None = incident
    for _ in range(RECORD_ATTEMPTS):
        if current is None:
            return
        merged = {**current.reminders, **{slot: max(n, current.reminders.get(slot, 0)) for slot, n in sent.items()}}
        recorded = replace(current, reminders=merged)
        if desk.incidents.record_reminders(current, merged, desk.next_due(recorded)):
            return
        current = desk.incidents.get(incident.id)
    raise RuntimeError(f"incident {incident.id} kept changing while its reminders were recorded")
