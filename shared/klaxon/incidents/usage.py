"""The words Klaxon understands in an incident's comms channel, and their one-line usage.

Kept apart from the grammar (klaxon.incidents.commands) so that acknowledging `/incident` - which must
tell a command from a summary within Slack's 3 seconds - reads the verbs without loading the parsers.
"""

from __future__ import annotations

USAGE = {
    "help": "help - what I understand here",
    "lead": "lead [@someone] - who leads (you, without a name)",
    "role": "role <name> @someone - give someone a role, e.g. `role comms @sam`",
    "severity": "severity <1-4 | critical | major | minor | trivial>",
    "summary": "summary [text] - show or change what is happening",
    "impact": "impact [text] - show or change who is affected and how",
    "status": "status <investigating | identified | monitoring | resolved> [note]",
    "update": "update <text> - a status update for the timeline and the headline",
    "action": "action <text> [@owner] - a follow-up action",
    "actions": "actions - the follow-up actions",
    "done": "done <action-id> - mark an action done",
    "timeline": "timeline - what happened so far",
    "duration": "duration - how long it has lasted",
    "page": "page [policy] - page the on-call (this channel's policy, or the one named)",
    "rename": "rename <name> - rename this channel",
    "resolve": "resolve - the incident is over",
    "close": "close - nothing more to do (after resolve)",
    "doc": "doc - a fresh link to the incident doc",
    "postmortem": "postmortem - a postmortem draft (Markdown, the facts filled in) posted here as a file",
    "list": "list [open|closed] [last 30d] - recent incidents, MTTA and MTTR (works in any channel)",
}


def help_text() -> str:
    return "\n".join(f"• `{line.split(' - ')[0]}`" + (f" - {line.split(' - ', 1)[1]}" if " - " in line else "")
                     for line in USAGE.values())


def is_command(text: str) -> bool:
    """Whether `text` (what follows `/incident`) starts with one of the verbs, in any case."""
    return verb_of(text) in USAGE


def verb_of(text: str) -> str:
    """The first word of `text`, in lower case ("" for none)."""
    words = text.split(maxsplit=1)
    return words[0].lower() if words else ""
