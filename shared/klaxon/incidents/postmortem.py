"""A postmortem in Markdown: the facts Klaxon recorded, filled in, and headings for what people must write.

The template follows the usual blameless postmortem (summary, impact, timeline, what went well, what to
change); facts come from the incident and its timeline, never from memory. People are shown by the names
`names` gives for their ids (the Slack directory's), falling back to the id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from klaxon.incidents.durations import spoken
from klaxon.incidents.model import ActionState, Incident
from klaxon.incidents.timeline import TimelineEntry, ordered

WRITE_HERE = "_To be written by the team._"


def postmortem(incident: Incident, timeline: Iterable[TimelineEntry], names: Callable[[str], str],
               now: datetime) -> str:
    """The postmortem document for `incident` as of `now`."""
    name = _namer(names)
    lines = [
        f"# Postmortem: {_one_line(incident.summary)}",
        "",
        f"*Incident {incident.id} · {incident.severity.label if incident.severity else 'severity not set'} · "
        f"declared {_when(incident.declared_at)} by {name(incident.reporter)} · status {incident.status.value}*",
        "",
        "## Summary", "", _block(incident.summary), "",
        "## Impact", "", _block(incident.impact) if incident.impact.strip() else WRITE_HERE, "",
        "## Key figures", "",
        "| | |", "|---|---|",
        f"| Duration | {spoken(incident.duration(now))} |",
        f"| Time to acknowledge | {spoken(incident.time_to_acknowledge)} |",
        f"| Time to mitigate | {spoken(incident.time_to_mitigate)} |",
        f"| Time to resolve | {spoken(incident.time_to_resolve)} |",
        "",
        "## People", "",
        f"- Lead: {name(incident.lead) if incident.lead else 'nobody'}",
        f"- Reporter: {name(incident.reporter)}",
        *(f"- {role.capitalize()}: {name(user)}" for role, user in sorted(incident.roles.items())),
        "",
        "## Timeline", "",
        *(_entry_line(entry, name) for entry in ordered(timeline)),
        "",
        "## Contributing factors", "", WRITE_HERE, "",
        "## What went well", "", WRITE_HERE, "",
        "## What to change", "", WRITE_HERE, "",
        "## Follow-up actions", "",
        *([_action_line(action.id, action.text, action.owner, action.state, name) for action in incident.actions]
          or ["No follow-up actions were recorded."]),
        "",
    ]
    return "\n".join(lines)


def _namer(names: Callable[[str], str]) -> Callable[[str | None], str]:
    def name(user: str | None) -> str:
        return _escape(names(user) or user) if user else "someone"

    return name


def _entry_line(entry: TimelineEntry, name: Callable[[str | None], str]) -> str:
    who = f" ({name(entry.by)})" if entry.by else ""
    return f"- **{_when(entry.at)}** {entry.kind.value}{who}: {_one_line(entry.text)}"


def _action_line(action_id: str, text: str, owner: str | None, state: ActionState,
                 name: Callable[[str | None], str]) -> str:
    box = "x" if state is ActionState.DONE else " "
    return f"- [{box}] {action_id}: {_one_line(text)}" + (f" - {name(owner)}" if owner else "")


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _one_line(text: str) -> str:
    return _escape(" ".join(text.split()))


def _block(text: str) -> str:
    return "\n".join(_escape(line) for line in text.strip().splitlines())


def _escape(text: str) -> str:
    """Text that reads as itself in Markdown: no headings, links or HTML smuggled in by what people typed."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text
