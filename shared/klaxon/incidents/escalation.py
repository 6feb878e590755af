"""Paging for incidents (SPEC §4): severity 1-2 (the `incident-paging` setting) pages the incident's policy
through paging's one page-start function, and `@klaxon page [policy]` pages on request.

The policy is the one named, else that of the channel the incident was declared in, else the default.
The page's thread - where paging says whom it notified and who acknowledged - is Klaxon's first post in
the comms channel (or the headline post, for an incident without one), and the direct message links
there. An acknowledgement, from the direct message or a handled reaction on that post, stops the page
and is noted on the incident's timeline (and acknowledges the incident: MTTA).
"""

from __future__ import annotations

from klaxon.events import PageAcknowledged, PageEnded
from klaxon.incidents.desk import Edited, IncidentDesk, Note, change
from klaxon.incidents.events import Via
from klaxon.incidents.model import Incident
from klaxon.incidents.outcomes import NO_POLICY, NO_THREAD, Setback, Step
from klaxon.incidents.timeline import EntryKind
from klaxon.paging import service as paging
from klaxon.paging.policies import Page, took

SEVERITY = "severity"  # the automatic page's reason: one per incident, however often its severity rises
PREFIX = "incident/"


def incident_page_id(incident_id: str, why: str) -> str:
    """`incident/<incident id>/<why>`: the automatic page, or one per `@klaxon page` delivery."""
    return f"{PREFIX}{incident_id}/{why}"


def incident_of(page: Page) -> str | None:
    """The incident a page is for, or None for other pages."""
    if not page.id.startswith(PREFIX):
        return None
    return page.id.removeprefix(PREFIX).rpartition("/")[0] or None


def page_incident(incident: Incident, policy_name: str | None, by: str, why: str,
                  desk: IncidentDesk) -> Setback | None:
    """Page the incident's policy (or `policy_name`) once for `why`; a setback when nobody can be paged."""
    config = desk.config
    policy = config.policies.get(policy_name) if policy_name else config.policy_for(incident.origin_channel or "")
    if policy is None:
        return Setback(Step.PAGE, NO_POLICY, policy_name or "")
    thread = _thread(incident)
    if thread is None:
        return Setback(Step.PAGE, NO_THREAD)
    channel, ts = thread
    page = Page(id=incident_page_id(incident.id, why), summary=page_summary(incident), channel=channel, ts=ts,
                policy=policy, started_at=desk.now, started_by=by, link=desk.slack.permalink(channel, ts),
                next_at=desk.now)
    if paging.start(page, desk.pager()) is not None:
        change(desk, incident.id, lambda current: Edited(current.with_page(page.id), (
            Note(EntryKind.PAGE, f"paged policy `{policy.name}`"),)), by=by, via=Via.KLAXON, step=f"page-{why}")
    return None


def page_summary(incident: Incident) -> str:
    """What a paged person reads first: how bad, and what is happening."""
    severity = f"{incident.severity.label}: " if incident.severity else ""
    return f"{severity}{incident.summary}"


def note_page_acknowledged(event: PageAcknowledged, desk: IncidentDesk) -> None:
    """A subscriber: an incident's page was acknowledged - the incident is acknowledged (its first time
    counts), and the timeline says by whom and after how long."""
    incident_id = incident_of(event.page)
    if incident_id is None:
        return
    note = Note(EntryKind.PAGE, f"<@{event.by}> acknowledged the page after {took(event.page.started_at, event.at)}")
    change(desk, incident_id, lambda current: Edited(current.acknowledged(event.at), (note,)), by=event.by,
           via=Via.KLAXON, step="acknowledged", origin=event.page.id)


def note_page_ended(event: PageEnded, desk: IncidentDesk) -> None:
    """A subscriber: nobody acknowledged an incident's page after every level - the timeline says so."""
    incident_id = incident_of(event.page)
    if incident_id is None:
        return
    note = Note(EntryKind.PAGE, f"nobody acknowledged the page of policy `{event.page.policy.name}`")
    change(desk, incident_id, lambda current: Edited(current, (note,)), by=None, via=Via.KLAXON, step="ended",
           origin=event.page.id)


def _thread(incident: Incident) -> tuple[str, str] | None:
    if incident.comms_channel and incident.comms_post:
        return incident.comms_channel, incident.comms_post
    return incident.headline
