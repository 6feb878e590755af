"""What incident work answers, as facts the Slack renderers word (klaxon.slack.renderers.incidents):
a command's outcome, and the setbacks met on the way - a Slack refusal in one step while the rest went on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from klaxon.incidents.model import Incident
from klaxon.incidents.timeline import TimelineEntry

if TYPE_CHECKING:  # the history reads incidents through the ports, which know the outcomes' setbacks
    from klaxon.incidents.history import History


class Step(StrEnum):
    """The part of the work a setback stopped."""

    DECLARE = "declare"  # declaring the incident itself
    HEADLINE = "headline"  # posting the headline post
    CHANNEL = "channel"  # creating the comms channel
    INVITE = "invite"  # inviting someone to it
    TOPIC = "topic"  # setting its topic
    BOOKMARK = "bookmark"  # bookmarking the doc in it
    WELCOME = "welcome"  # Klaxon's first post in it
    RENAME = "rename"  # renaming it
    PAGE = "page"  # paging the on-call
    POSTMORTEM = "postmortem"  # posting the postmortem draft as a file


# Klaxon's own reasons, beside Slack's error codes.
NO_FREE_NAME = "no_free_name"  # every name tried is taken
NO_POLICY = "no_policy"  # nobody to page: no policy for the channel, no default, or the named one is gone
NO_THREAD = "no_thread"  # nowhere to page from: neither a comms channel nor a headline post
ALERT_TAKEN = "alert_taken"  # the alert already has an incident (its id is the subject)


@dataclass(frozen=True)
class Setback:
    """Slack (or the workspace's set-up) refused one step: `code` is why, `subject` what it concerned (a
    channel name, a person, a policy)."""

    step: Step
    code: str
    subject: str = ""


@dataclass(frozen=True)
class Done:
    """A change was committed (the command's message gets ✅)."""

    incident: Incident


@dataclass(frozen=True)
class Refused:
    """Nothing was changed: `problem` says why in words, or `setback` what Slack refused."""

    problem: str = ""
    setback: Setback | None = None


@dataclass(frozen=True)
class HelpShown:
    """What Klaxon understands in a comms channel."""


@dataclass(frozen=True)
class FieldShown:
    """`summary` or `impact` asked without text: what it is now."""

    incident: Incident
    field: str  # "summary" or "impact"


@dataclass(frozen=True)
class ActionsShown:
    incident: Incident


@dataclass(frozen=True)
class TimelineShown:
    incident: Incident
    entries: tuple[TimelineEntry, ...]  # in timeline order


@dataclass(frozen=True)
class DurationShown:
    incident: Incident
    now: datetime


@dataclass(frozen=True)
class DocShown:
    incident: Incident
    link: str | None


@dataclass(frozen=True)
class PostmortemShared:
    """The postmortem draft was posted to `channel` as a file."""

    incident: Incident
    channel: str


@dataclass(frozen=True)
class HistoryShown:
    """`list …`: the incidents asked for and the response times, with a link to the list page (None when
    Klaxon gives no links)."""

    history: History
    link: str | None


type Outcome = (Done | Refused | HelpShown | FieldShown | ActionsShown | TimelineShown | DurationShown | DocShown
                | PostmortemShared | HistoryShown)
