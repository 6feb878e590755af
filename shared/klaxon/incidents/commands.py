"""What people say to Klaxon in an incident's comms channel (`@klaxon lead @sam`), as typed commands.

The grammar (SPEC §4): help | lead [@user] | role <name> @user | severity <1-4|name> | summary [text] |
impact [text] | status <investigating|identified|monitoring|resolved> [note] | update <text> |
action <text> [@owner] | actions | done <action-id> | timeline | duration | page [policy] | rename <name> |
resolve | close | doc, and postmortem and list (the history; `/incident list` works in any channel). The
same words work after `/incident` typed in the comms channel.

Text arrives as Slack sends it: mentions as `<@U…>` markup, `&`, `<` and `>` escaped, and free text (a
summary, a note, an update, an action) is kept in that markup - the one every text of an incident is in.
Parsing is pure: people stay references until the service looks up a typed `@name`.
"""

from __future__ import annotations

from dataclasses import dataclass

from klaxon.commands.references import MentionKind, MentionRef, mention_ref, plain_text
from klaxon.incidents.model import IncidentError, Severity, Status, parse_severity, parse_status
from klaxon.incidents.usage import USAGE, help_text

WORKING_STATUSES = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED)


@dataclass(frozen=True)
class IncidentCommand:
    """A command said in a comms channel. `verb` is one of USAGE's keys."""

    verb: str
    text: str = ""  # free text: summary, impact, update, note, action text, role name, rename
    person: MentionRef | None = None  # lead, role holder, action owner
    severity: Severity | None = None
    status: Status | None = None
    action_id: str | None = None
    policy: str | None = None


def parse_incident_command(text: str) -> IncidentCommand:
    """The command in `text` (the bot's own mention already removed); IncidentError with usage if unclear."""
    words = text.strip().split(maxsplit=1)
    if not words:
        return IncidentCommand("help")
    verb, rest = words[0].lower(), (words[1] if len(words) > 1 else "").strip()
    if verb not in USAGE:
        raise IncidentError(f"I don't know `{verb[:30]}`. Here, I understand:\n" + help_text())
    return _PARSERS.get(verb, _bare)(verb, rest)


def _bare(verb: str, rest: str) -> IncidentCommand:
    return IncidentCommand(verb)


def _text(verb: str, rest: str) -> IncidentCommand:
    return IncidentCommand(verb, text=rest.strip())


def _needs_text(verb: str, rest: str) -> IncidentCommand:
    if not rest:
        raise IncidentError(f"usage: `{USAGE[verb].split(' - ')[0]}`")
    return _text(verb, rest)


def _lead(verb: str, rest: str) -> IncidentCommand:
    return IncidentCommand(verb, person=_person(rest, "lead") if rest else None)


def _role(verb: str, rest: str) -> IncidentCommand:
    name, _, who = rest.rpartition(" ")
    if not name.strip() or not who:
        raise IncidentError(f"usage: `{USAGE['role'].split(' - ')[0]}`, e.g. `role comms @sam`")
    return IncidentCommand(verb, text=plain_text(name).strip(), person=_person(who, "role"))


def _severity(verb: str, rest: str) -> IncidentCommand:
    return IncidentCommand(verb, severity=parse_severity(rest))


def _status(verb: str, rest: str) -> IncidentCommand:
    word, _, note = rest.partition(" ")
    status = parse_status(word)
    if status not in WORKING_STATUSES:
        raise IncidentError("to close the incident, say `close` (after `resolve`)")
    return IncidentCommand(verb, status=status, text=note.strip())


def _action(verb: str, rest: str) -> IncidentCommand:
    if not rest:
        raise IncidentError(f"usage: `{USAGE['action'].split(' - ')[0]}`")
    body, _, last = rest.rpartition(" ")
    owner = mention_ref(last) if body else None
    if owner is not None and owner.kind not in (MentionKind.USER, MentionKind.EITHER):
        owner = None  # a group or @here owns nothing: keep the words as text
    return IncidentCommand(verb, text=(body if owner else rest).strip(), person=owner)


def _done(verb: str, rest: str) -> IncidentCommand:
    if not rest or " " in rest:
        raise IncidentError("usage: `done <action-id>`, e.g. `done a2` (`actions` lists them)")
    return IncidentCommand(verb, action_id=rest.lower())


def _page(verb: str, rest: str) -> IncidentCommand:
    if " " in rest:
        raise IncidentError("usage: `page [policy]` - one policy name, or none for this channel's")
    return IncidentCommand(verb, policy=rest.lower() or None)


def _person(word: str, what: str) -> MentionRef:
    found = mention_ref(word.strip())
    if found is None or found.kind not in (MentionKind.USER, MentionKind.EITHER):
        raise IncidentError(f"`{word.strip()[:40]}` is not a person: mention them, e.g. `{what} @sam`")
    return found


_PARSERS = {
    "lead": _lead, "role": _role, "severity": _severity, "summary": _text, "impact": _text,
    "status": _status, "update": _needs_text, "action": _action, "done": _done, "page": _page,
    "rename": _needs_text, "list": _text,
}


__all__ = ["USAGE", "WORKING_STATUSES", "IncidentCommand", "help_text", "parse_incident_command"]
