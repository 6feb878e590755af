"""An incident's comms channel (SPEC §4): `inc-YYYYMMDD-slug`, opened on request and automatically for
severity 1-2 and private incidents, private for a private incident, made unique when its name is taken
(by any channel, archived ones too), with the reporter, the lead and whoever asked invited, a topic and a
bookmark to the incident doc, and Klaxon's first post telling people how to talk to it.

Once per incident however often it is asked for (a claim), and nothing a refusal stops is silent: the
person who asked is told what Slack refused - the channel itself (restricted_action: the workspace lets
only some people create channels; missing_scope; ratelimited), or a step after it (an invitation, the
topic, the bookmark) while the rest goes on.
"""

from __future__ import annotations

from klaxon.incidents.desk import Edited, IncidentDesk, Note, change
from klaxon.incidents.events import Via
from klaxon.incidents.model import Incident, IncidentError, Severity
from klaxon.incidents.naming import channel_names, normalised
from klaxon.incidents.outcomes import NO_FREE_NAME, Setback, Step
from klaxon.incidents.ports import SlackRefused
from klaxon.incidents.timeline import EntryKind
from klaxon.markup import unescaped

AUTOMATIC_UP_TO = Severity.MAJOR  # severity 1-2 get a comms channel without asking (SPEC §4)


def needs_channel(incident: Incident) -> bool:
    """Whether the incident gets a comms channel without anyone asking: severity 1-2, or private (a private
    incident is worked on nowhere else)."""
    if incident.is_closed or incident.comms_channel:
        return False
    return incident.private or (incident.severity is not None and incident.severity <= AUTOMATIC_UP_TO)


def open_comms_channel(incident_id: str, asker: str, asked_in: str | None, desk: IncidentDesk) -> Incident:
    """Open the incident's comms channel, once; `asker` (who asked, in `asked_in`) hears of any setback."""
    incident = desk.find(incident_id)
    claim = f"comms:{incident.id}"
    if incident.comms_channel or incident.is_closed or not desk.claims.claim(claim, desk.now):
        return incident  # there is one, nothing to open, or another worker is opening it
    try:
        channel = _create(incident, desk)
    except SlackRefused as refused:
        desk.claims.release(claim)
        desk.slack.tell(asker, asked_in, [Setback(Step.CHANNEL, refused.code, refused.subject)])
        return incident
    except Exception:
        desk.claims.release(claim)
        raise
    desk.claims.complete(claim, desk.now)
    # Committed first: from now on what is said there is about the incident (commands, never pages).
    incident = change(desk, incident.id, lambda current: Edited(current.with_comms_channel(channel), (
        Note(EntryKind.FIELD, f"comms channel <#{channel}>"),)), by=asker, via=Via.KLAXON, step="channel")
    setbacks = _furnish(incident, channel, asker, desk)
    if setbacks:
        desk.slack.tell(asker, asked_in, setbacks)
    return desk.find(incident.id)


def rename_comms_channel(incident: Incident, name: str, by: str, desk: IncidentDesk) -> Setback | None:
    """Rename the comms channel (a name made valid first); the setback when Slack refuses (name_taken …)."""
    if not incident.comms_channel:
        raise IncidentError("this incident has no comms channel to rename")
    try:
        wanted = normalised(unescaped(name))
    except ValueError as error:
        raise IncidentError(str(error)) from error
    try:
        desk.slack.rename_channel(incident.comms_channel, wanted)
    except SlackRefused as refused:
        return Setback(Step.RENAME, refused.code, wanted)
    change(desk, incident.id, lambda current: Edited(current, (Note(EntryKind.FIELD, f"channel renamed #{wanted}"),)),
           by=by, via=Via.MENTION, step="rename")
    return None


def _create(incident: Incident, desk: IncidentDesk) -> str:
    """Create the channel under the first free name; SlackRefused for anything but a taken name."""
    names = list(channel_names(unescaped(incident.summary), incident.declared_at))
    for name in names:
        try:
            return desk.slack.create_channel(name, private=incident.private)
        except SlackRefused as refused:
            if refused.code != "name_taken":
                raise SlackRefused(refused.code, name) from refused
    raise SlackRefused(NO_FREE_NAME, names[0])


def _furnish(incident: Incident, channel: str, asker: str, desk: IncidentDesk) -> list[Setback]:
    """Invite people, set the topic, bookmark the doc and post the first message; the steps Slack refused."""
    people = list(dict.fromkeys(person for person in (incident.reporter, incident.lead, asker) if person))
    setbacks = [Setback(Step.INVITE, refused.code, refused.subject) for refused in desk.slack.invite(channel, people)]
    doc = desk.doc(incident)
    try:
        desk.slack.set_topic(channel, incident)
    except SlackRefused as refused:
        setbacks.append(Setback(Step.TOPIC, refused.code))
    if doc:
        try:
            desk.slack.bookmark_doc(channel, doc)
        except SlackRefused as refused:
            setbacks.append(Setback(Step.BOOKMARK, refused.code))
    try:
        ts = desk.slack.welcome(incident, doc)
    except SlackRefused as refused:
        setbacks.append(Setback(Step.WELCOME, refused.code))
    else:
        change(desk, incident.id, lambda current: Edited(current.with_comms_post(ts)), by=asker, via=Via.KLAXON,
               step="welcome")
    return setbacks
