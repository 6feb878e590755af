"""Carrying out what people say in a comms channel (`@klaxon …`, or `/incident …` typed there): one change
per command, committed once (klaxon.incidents.desk.change), or an answer; refusals say why and change
nothing. A change is told to the subscribers, which redraw the headline post once and tell the channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from klaxon.commands.names import Names, UnknownName
from klaxon.commands.references import MentionRef
from klaxon.incidents.commands import IncidentCommand, parse_incident_command
from klaxon.incidents.comms import rename_comms_channel
from klaxon.incidents.desk import Edited, IncidentDesk, Note, change
from klaxon.incidents.escalation import page_incident
from klaxon.incidents.events import Via
from klaxon.incidents.history import history, parse_history_query
from klaxon.incidents.model import Incident, IncidentError, Severity, Status, role_name
from klaxon.incidents.outcomes import (
    ActionsShown,
    DocShown,
    Done,
    DurationShown,
    FieldShown,
    HelpShown,
    HistoryShown,
    Outcome,
    PostmortemShared,
    Refused,
    Setback,
    Step,
    TimelineShown,
)
from klaxon.incidents.ports import SlackRefused
from klaxon.incidents.postmortem import postmortem
from klaxon.incidents.timeline import EntryKind, ordered


@dataclass(frozen=True)
class Revision:
    """What the headline post's Edit form says (texts in Slack's markup; None: not given)."""

    summary: str
    impact: str
    severity: Severity | None
    lead: str | None


def run_command(text: str, actor: str, incident_id: str, via: Via, desk: IncidentDesk) -> Outcome:
    """Carry out the command in `text` (the bot's mention already removed) on the incident; never raises for
    what people typed or what the incident cannot take."""
    try:
        command = parse_incident_command(text)
        return _VERBS[command.verb](command, _Asked(actor, incident_id, via, desk))
    except (IncidentError, UnknownName) as problem:
        return Refused(str(problem))


def list_incidents(text: str, desk: IncidentDesk) -> Outcome:
    """`list [open|closed] [last 30d]` (the words after `list`), in any channel: recent incidents and their
    response times, with a link to the list page."""
    try:
        return HistoryShown(history(parse_history_query(text), desk.incidents, desk.now), desk.links.list_url())
    except IncidentError as problem:
        return Refused(str(problem))


def revise(incident_id: str, revision: Revision, actor: str, desk: IncidentDesk) -> Outcome:
    """Apply the Edit form as one change (one headline redraw), a timeline entry per field changed."""

    def edit(incident: Incident) -> Edited:
        changed, notes = incident, []
        if revision.summary != incident.summary:
            changed = changed.with_summary(revision.summary)
            notes.append(Note(EntryKind.FIELD, f"summary: {revision.summary}"))
        if revision.impact != incident.impact:
            changed = changed.with_impact(revision.impact)
            notes.append(Note(EntryKind.FIELD, f"impact: {revision.impact}"))
        if revision.severity and revision.severity is not incident.severity:
            changed = changed.with_severity(revision.severity)
            notes.append(Note(EntryKind.FIELD, f"severity {revision.severity.label}"))
        if revision.lead and revision.lead != incident.lead:
            changed = changed.with_lead(revision.lead, desk.now)
            notes.append(Note(EntryKind.FIELD, f"lead <@{revision.lead}>"))
        return Edited(changed, tuple(notes))

    try:
        if not edit(desk.find(incident_id)).notes:
            return Done(desk.find(incident_id))  # saved as it was: nothing to change, nobody to tell
        return Done(change(desk, incident_id, edit, by=actor, via=Via.HEADLINE, step="edit"))
    except IncidentError as problem:
        return Refused(str(problem))


def set_status(incident_id: str, status: Status, note: str, actor: str, via: Via, desk: IncidentDesk) -> Outcome:
    """Move the incident to `status` (the headline's buttons and Change status form)."""
    try:
        return _move(status, note, _Asked(actor, incident_id, via, desk))
    except IncidentError as problem:
        return Refused(str(problem))


class _Asked:
    """One command being carried out: who asked, about which incident, how, with what."""

    def __init__(self, actor: str, incident_id: str, via: Via, desk: IncidentDesk) -> None:
        self.actor, self.incident_id, self.via, self.desk = actor, incident_id, via, desk

    @property
    def incident(self) -> Incident:
        return self.desk.find(self.incident_id)

    def commit(self, edit: Callable[[Incident], Edited]) -> Done:
        return Done(change(self.desk, self.incident_id, edit, by=self.actor, via=self.via, step="command"))

    def change(self, edit: Callable[[Incident], Incident], kind: EntryKind, said: str) -> Done:
        """Commit a change that records one timeline entry, `said` in Slack's markup."""
        return self.commit(lambda incident: Edited(edit(incident), (Note(kind, said),)))

    def person(self, ref: MentionRef | None) -> str:
        """A person named in the command (looked up when typed as a plain @name), else whoever asked."""
        return self.actor if ref is None else Names(self.desk.directory).person(ref)


def _help(command: IncidentCommand, asked: _Asked) -> Outcome:
    return HelpShown()


def _lead(command: IncidentCommand, asked: _Asked) -> Outcome:
    lead = asked.person(command.person)
    return asked.change(lambda i: i.with_lead(lead, asked.desk.now), EntryKind.FIELD, f"lead <@{lead}>")


def _role(command: IncidentCommand, asked: _Asked) -> Outcome:
    holder = asked.person(command.person)

    return asked.change(lambda i: i.with_role(command.text, holder), EntryKind.FIELD,
                        f"role {role_name(command.text)} <@{holder}>")


def _severity(command: IncidentCommand, asked: _Asked) -> Outcome:
    severity = command.severity
    assert severity is not None, "the grammar gives one"
    return asked.change(lambda i: i.with_severity(severity), EntryKind.FIELD, f"severity {severity.label}")


def _text_field(field: str) -> Callable[[IncidentCommand, _Asked], Outcome]:
    def run(command: IncidentCommand, asked: _Asked) -> Outcome:
        if not command.text:
            return FieldShown(asked.incident, field)
        edit = Incident.with_summary if field == "summary" else Incident.with_impact
        return asked.change(lambda i: edit(i, command.text), EntryKind.FIELD, f"{field}: {command.text}")

    return run


def _status(command: IncidentCommand, asked: _Asked) -> Outcome:
    assert command.status is not None, "the grammar gives one"
    return _move(command.status, command.text, asked)


def _move(status: Status, note: str, asked: _Asked) -> Outcome:
    said = f"status {status.value}" + (f": {note}" if note else "")
    return asked.change(lambda i: i.with_status(status, asked.actor, asked.desk.now, note), EntryKind.STATUS, said)


def _update(command: IncidentCommand, asked: _Asked) -> Outcome:
    return asked.change(lambda i: i.updated(asked.desk.now, command.text), EntryKind.UPDATE, command.text)


def _action(command: IncidentCommand, asked: _Asked) -> Outcome:
    owner = asked.person(command.person) if command.person else None

    def add(incident: Incident) -> Edited:
        changed, action = incident.with_action(command.text, owner, asked.actor, asked.desk.now)
        owned = f" (owner <@{owner}>)" if owner else ""
        return Edited(changed, (Note(EntryKind.ACTION, f"action {action.id}: {action.text}{owned}"),))

    return asked.commit(add)


def _done(command: IncidentCommand, asked: _Asked) -> Outcome:
    assert command.action_id is not None, "the grammar gives one"
    action_id = command.action_id

    def finish(incident: Incident) -> Edited:
        changed, action = incident.with_action_done(action_id, asked.actor, asked.desk.now)
        return Edited(changed, (Note(EntryKind.ACTION, f"action {action.id} done: {action.text}"),))

    return asked.commit(finish)


def _actions(command: IncidentCommand, asked: _Asked) -> Outcome:
    return ActionsShown(asked.incident)


def _timeline(command: IncidentCommand, asked: _Asked) -> Outcome:
    return TimelineShown(asked.incident, tuple(ordered(asked.desk.incidents.timeline(asked.incident_id))))


def _duration(command: IncidentCommand, asked: _Asked) -> Outcome:
    return DurationShown(asked.incident, asked.desk.now)


def _page(command: IncidentCommand, asked: _Asked) -> Outcome:
    incident = asked.incident
    if incident.is_closed:
        raise IncidentError("the incident is closed; declare a new one if it is happening again")
    why = asked.desk.delivery or asked.desk.now.isoformat()
    setback = page_incident(incident, command.policy, asked.actor, why, asked.desk)
    return Refused(setback=setback) if setback else Done(asked.incident)


def _rename(command: IncidentCommand, asked: _Asked) -> Outcome:
    setback = rename_comms_channel(asked.incident, command.text, asked.actor, asked.desk)
    return Refused(setback=setback) if setback else Done(asked.incident)


def _resolve(command: IncidentCommand, asked: _Asked) -> Outcome:
    return _move(Status.RESOLVED, "", asked)


def _close(command: IncidentCommand, asked: _Asked) -> Outcome:
    return _move(Status.CLOSED, "", asked)


def _doc(command: IncidentCommand, asked: _Asked) -> Outcome:
    incident = asked.incident
    return DocShown(incident, asked.desk.doc(incident))


def _postmortem(command: IncidentCommand, asked: _Asked) -> Outcome:
    """The postmortem draft from the incident as last committed and its whole timeline, posted as a file to
    the comms channel (where the command was said)."""
    record = asked.desk.incidents.record(asked.incident_id, consistent=True)
    if record is None:
        raise IncidentError(f"there is no incident `{asked.incident_id[:40]}`")
    incident, channel = record.incident, record.incident.comms_channel
    if channel is None:
        raise IncidentError("the incident has no comms channel to post its postmortem to")
    draft = postmortem(incident, record.timeline, asked.desk.directory.name, asked.desk.now)
    try:
        asked.desk.slack.share_postmortem(incident, channel, draft, asked.actor)
    except SlackRefused as refused:
        return Refused(setback=Setback(Step.POSTMORTEM, refused.code, refused.subject))
    return PostmortemShared(incident, channel)


def _list(command: IncidentCommand, asked: _Asked) -> Outcome:
    return list_incidents(command.text, asked.desk)


_VERBS: dict[str, Callable[[IncidentCommand, _Asked], Outcome]] = {
    "help": _help, "lead": _lead, "role": _role, "severity": _severity, "summary": _text_field("summary"),
    "impact": _text_field("impact"), "status": _status, "update": _update, "action": _action, "actions": _actions,
    "done": _done, "timeline": _timeline, "duration": _duration, "page": _page, "rename": _rename,
    "resolve": _resolve, "close": _close, "doc": _doc, "postmortem": _postmortem, "list": _list,
}
