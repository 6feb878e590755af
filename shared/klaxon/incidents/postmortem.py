"""A postmortem in Markdown: the facts Klaxon recorded, filled in, and headings for what people must write.

The template follows the usual blameless postmortem (summary, impact, timeline, what went well, what to
change); facts come from the incident and its timeline, never from memory. Texts are kept in Slack's markup
(klaxon.markup): people and channels are shown by the names `names` gives for their ids (the Slack
directory's, falling back to the markup's label, then the id), and then escaped for Markdown (CommonMark), so
nothing typed in Slack becomes a heading, a link, a table cell or HTML in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from klaxon.incidents.durations import spoken
from klaxon.incidents.model import ActionState, FollowUp, Incident
from klaxon.incidents.timeline import TimelineEntry, ordered
from klaxon.markup import Names, readable

WRITE_HERE = "_To be written by the team._"
_LABELLED_LINK = re.compile(r"<(https?://[^|<>]+)\|([^<>]+)>")  # `<url|label>`: the file keeps both


def postmortem(incident: Incident, timeline: Iterable[TimelineEntry], names: Names, now: datetime) -> str:
    """The postmortem document for `incident` as of `now` (durations of an open incident run until `now`)."""
    text = _Writer(names)
    lines = [
        f"# Postmortem: {text.line(incident.summary)}",
        "",
        f"*Incident {incident.id} · {incident.severity.label if incident.severity else 'severity not set'} · "
        f"declared {_when(incident.declared_at)} by {text.person(incident.reporter)} · "
        f"status {incident.status.value}*",
        "",
        "## Summary", "", text.block(incident.summary), "",
        "## Impact", "", text.block(incident.impact) if incident.impact.strip() else WRITE_HERE, "",
        "## Key figures", "",
        "| | |", "|---|---|",
        f"| Duration | {spoken(incident.duration(now))} |",
        f"| Time to acknowledge | {spoken(incident.time_to_acknowledge)} |",
        f"| Time to mitigate | {spoken(incident.time_to_mitigate)} |",
        f"| Time to resolve | {spoken(incident.time_to_resolve)} |",
        "",
        "## People", "",
        f"- Lead: {text.person(incident.lead) if incident.lead else 'nobody'}",
        f"- Reporter: {text.person(incident.reporter)}",
        *(f"- {role.capitalize()}: {text.person(user)}" for role, user in sorted(incident.roles.items())),
        "",
        "## Timeline", "",
        *(text.entry(entry) for entry in ordered(timeline)),
        "",
        "## Contributing factors", "", WRITE_HERE, "",
        "## What went well", "", WRITE_HERE, "",
        "## What to change", "", WRITE_HERE, "",
        "## Follow-up actions", "",
        *([text.action(action) for action in incident.actions] or ["No follow-up actions were recorded."]),
        "",
    ]
    return "\n".join(lines)


class _Writer:
    """Texts in Slack's markup as Markdown that reads as they did in Slack."""

    def __init__(self, names: Names) -> None:
        self.names = names

    def person(self, user: str | None) -> str:
        return _escape(self.names(user) or user) if user else "someone"

    def line(self, text: str) -> str:
        return _escape(" ".join(self.read(text).split()))

    def block(self, text: str) -> str:
        return "\n".join(_escape(line) for line in self.read(text).strip().splitlines())

    def read(self, text: str) -> str:
        """Slack's markup as read in Slack, a labelled link as `label (url)`."""
        return readable(_LABELLED_LINK.sub(r"\2 (<\1>)", text), self.names)

    def entry(self, entry: TimelineEntry) -> str:
        who = f" ({self.person(entry.by)})" if entry.by else ""
        return f"- **{_when(entry.at)}** {entry.kind.value}{who}: {self.line(entry.text)}"

    def action(self, action: FollowUp) -> str:
        box = "x" if action.state is ActionState.DONE else " "
        owner = f" - {self.person(action.owner)}" if action.owner else ""
        return f"- [{box}] {action.id}: {self.line(action.text)}{owner}"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _escape(text: str) -> str:
    """Text that reads as itself in Markdown: no headings, links, emphasis, tables or HTML smuggled in by what
    people typed (CommonMark's backslash escapes, spec §2.4)."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text
