"""What Klaxon hears in a comms channel besides commands: pinned messages and 📌 reactions become timeline
entries (unpinning or taking the reaction away removes them), and phrases admins set get their reply,
once per incident (SPEC §4).

Every channel's events arrive here first; one small read - is this a comms channel? - is all a message
in any other channel costs, and only when it could matter (a pin, a 📌, a keyword in the text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klaxon.incidents.desk import IncidentDesk
from klaxon.incidents.keywords import replies_for
from klaxon.incidents.timeline import PIN_REACTION, EntryKind, TimelineEntry, pin_key

PINNED = "pin"


@dataclass(frozen=True)
class Marking:
    """A message pinned or unpinned, or given or stripped of a 📌, in some channel."""

    channel: str
    ts: str
    user: str
    at: datetime
    added: bool
    by_reaction: bool  # a 📌 reaction (else a pin)

    @property
    def mark(self) -> str:
        """What keeps the entry: the pin, or each person's 📌 (one taking theirs away leaves the others')."""
        return f"{PIN_REACTION}:{self.user}" if self.by_reaction else PINNED


def is_pushpin(reaction: str) -> bool:
    """📌, in any skin tone Slack might give it."""
    return reaction.split("::", 1)[0] == PIN_REACTION


def on_marking(marking: Marking, text: str | None, desk: IncidentDesk) -> bool:
    """Record a pin or 📌 in a comms channel on its incident's timeline; False when it is no comms channel.

    `text` is the message's text when the event carried it (a pin does; a reaction does not: it is read).
    """
    incident_id = desk.incidents.in_channel(marking.channel)
    if incident_id is None:
        return False
    key = pin_key(marking.channel, marking.ts)
    if not marking.added:
        desk.incidents.unmark_pin(incident_id, key, marking.mark)
        return True
    shown = text if text is not None else desk.slack.message_text(marking.channel, marking.ts)
    if shown is None:
        return True  # deleted meanwhile: nothing to keep
    entry = TimelineEntry(incident_id=incident_id, key=key, at=marking.at, kind=EntryKind.PIN, by=marking.user,
                          text=shown, message=(marking.channel, marking.ts))
    desk.incidents.mark_pin(entry, marking.mark)
    return True


def reply_to_keywords(text: str, channel: str, ts: str, desk: IncidentDesk) -> int:
    """Reply in a comms channel to a message containing keywords, each once per incident; how many replied.

    `text` is the message as people read it; a message with no keyword costs nothing.
    """
    found = replies_for(text, desk.config.keywords)
    if not found:
        return 0
    incident_id = desk.incidents.in_channel(channel)
    if incident_id is None:
        return 0
    replied = 0
    for keyword in found:
        if not desk.incidents.claim_keyword(incident_id, keyword.id):
            continue  # answered already in this incident (or being answered by a redelivery)
        try:
            desk.slack.reply_keyword(channel, ts, keyword.reply)
        except Exception:
            # Given back, so the retry of this work (Lambda's, then the dead-letter queue) can still answer.
            desk.incidents.release_keyword(incident_id, keyword.id)
            raise
        replied += 1
    return replied
