"""An incident: what is happening, how bad, who leads, where it stands, and when each stage was reached.

Status lifecycle: investigating → identified → monitoring → resolved → closed. Before resolved, any of the
first three may follow any other (teams go back to investigating when a fix fails); resolved may reopen
to any of them; closed is final. Each stage's first arrival is kept, so MTTA and MTTR come from the record:
acknowledged (someone took it: its page acknowledged, a lead named after declaring, or the status moved
past investigating), mitigated (monitoring, or resolved without it), resolved, closed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from klaxon.markup import unescaped

MAX_SUMMARY_CHARS = 300
MAX_IMPACT_CHARS = 2000
MAX_UPDATE_CHARS = 2000
MAX_ACTION_CHARS = 500
MAX_ROLE_CHARS = 40
MAX_ROLES = 20
MAX_ACTIONS = 200
_ROLE = re.compile(r"^[a-z][a-z0-9 _-]{0,39}$")


class IncidentError(ValueError):
    """A change an incident cannot take as asked; the message says why, for the person who asked."""


def shown_length(text: str) -> int:
    """How many characters Slack shows for text in its message markup (`&amp;`, `&lt;`, `&gt;` are one each).

    Every text an incident keeps is in that markup (Slack escapes message text so; Klaxon escapes what is
    typed in its forms the same way), so limits count what people typed, not the escapes.
    """
    return len(unescaped(text))


class Severity(IntEnum):
    """1 is the worst. Parsed exactly: `1`, `sev1`, `sev-1`, `s1` or the name - never "any text with a 1"."""

    CRITICAL = 1
    MAJOR = 2
    MINOR = 3
    TRIVIAL = 4

    @property
    def label(self) -> str:
        return f"SEV{self.value} {self.name.lower()}"

    def at_least(self, threshold: int | None) -> bool:
        """Whether this severity is `threshold` or worse (1 is the worst); a None threshold is never met."""
        return threshold is not None and self.value <= threshold


_SEVERITY_WORDS = {**{s.name.lower(): s for s in Severity},
                   **{f"{prefix}{s.value}": s for s in Severity for prefix in ("", "sev", "sev-", "sev ", "s", "p")}}


def parse_severity(text: str) -> Severity:
    """The severity a person wrote, exactly; IncidentError naming the choices otherwise."""
    word = " ".join(text.strip().lower().split())
    if word in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[word]
    raise IncidentError(f"`{text.strip()[:30]}` is not a severity: write 1-4 or critical, major, minor, trivial")


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """Still being worked on (not yet resolved)."""
        return self in _WORKING


_WORKING = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING)


def parse_status(text: str) -> Status:
    """A status a person wrote (its name or a prefix of at least four letters); IncidentError otherwise."""
    word = text.strip().lower()
    found = [status for status in Status if len(word) >= 4 and status.value.startswith(word)]
    if word and len(found) == 1:
        return found[0]
    raise IncidentError(f"`{text.strip()[:30]}` is not a status: write " + ", ".join(s.value for s in Status))


def role_name(role: str) -> str:
    """A role as the incident keeps it: lower case, single spaces (`Incident  Commander` → `incident commander`)."""
    return " ".join(role.strip().lower().split())


class ActionState(StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True)
class FollowUp:
    """A follow-up action: what to do, who owns it, and whether it is done."""

    id: str  # a1, a2, … within the incident
    text: str
    created_by: str
    created_at: datetime
    owner: str | None = None
    state: ActionState = ActionState.OPEN
    done_by: str | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class StatusChange:
    """One move of the status: to what, by whom, when, and the note given with it."""

    status: Status
    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Incident:
    """A declared incident. `version` counts changes: every write is conditional on the version read.

    Every text it keeps (summary, impact, notes, updates) is in Slack's message markup: `&`, `<` and `>` as
    entities, people as `<@U…>`. `reminders` is the sweep's record of reminders sent (slot → times); the
    sweep keeps it without a new version, so a change never races a reminder.
    """

    id: str
    summary: str
    severity: Severity | None  # None until someone sets it (a reminder asks)
    reporter: str
    lead: str | None  # None until someone takes it (a reminder asks)
    declared_at: datetime
    impact: str = ""
    lead_since: datetime | None = None  # when the current lead took it (the "take a break" reminder)
    private: bool = False
    status: Status = Status.INVESTIGATING
    roles: Mapping[str, str] = field(default_factory=dict)  # role name → user
    history: tuple[StatusChange, ...] = ()
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    last_update_at: datetime | None = None  # the last `update` or status change: what "no update" reminders watch
    comms_channel: str | None = None
    comms_post: str | None = None  # ts of Klaxon's first post in the comms channel: pages' thread
    headline: tuple[str, str] | None = None  # (channel, ts) of the headline post
    origin_channel: str | None = None  # where it was declared: that channel's escalation policy pages
    latest_update: str = ""  # the last `update` or status note, shown on the headline
    alert_ids: tuple[str, ...] = ()
    page_ids: tuple[str, ...] = ()
    actions: tuple[FollowUp, ...] = ()
    reminders: Mapping[str, int] = field(default_factory=dict)
    version: int = 0

    def __post_init__(self) -> None:
        if not self.summary.strip():
            raise IncidentError("an incident needs a summary of what is happening")
        if shown_length(self.summary) > MAX_SUMMARY_CHARS:
            raise IncidentError(f"the summary is longer than {MAX_SUMMARY_CHARS} characters")
        if shown_length(self.impact) > MAX_IMPACT_CHARS:
            raise IncidentError(f"the impact is longer than {MAX_IMPACT_CHARS} characters")
        if shown_length(self.latest_update) > MAX_UPDATE_CHARS:
            raise IncidentError(f"an update is at most {MAX_UPDATE_CHARS} characters")

    # ------------------------------------------------------------------ facts
    @property
    def is_closed(self) -> bool:
        return self.status is Status.CLOSED

    @property
    def status_since(self) -> datetime:
        return self.history[-1].at if self.history else self.declared_at

    def duration(self, now: datetime) -> timedelta:
        """How long it has lasted: until resolved, or until now."""
        return (self.resolved_at or now) - self.declared_at

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self.acknowledged_at - self.declared_at if self.acknowledged_at else None

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self.mitigated_at - self.declared_at if self.mitigated_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.declared_at if self.resolved_at else None

    @property
    def people(self) -> frozenset[str]:
        """Everyone with a part: reporter, lead, roles, action owners."""
        owners = {action.owner for action in self.actions if action.owner}
        return frozenset({self.reporter, *([self.lead] if self.lead else []), *self.roles.values(), *owners})

    def action(self, action_id: str) -> FollowUp:
        found = next((a for a in self.actions if a.id == action_id.strip().lower()), None)
        if found is None:
            raise IncidentError(f"there is no action `{action_id[:20]}`; `actions` lists them")
        return found

    # ------------------------------------------------------------------ changes (each returns the next version)
    def with_status(self, status: Status, by: str, at: datetime, note: str = "") -> Incident:
        """Move to `status`; IncidentError if the lifecycle does not allow it from here."""
        if status is self.status:
            raise IncidentError(f"the incident is already {status.value}")
        if self.is_closed:
            raise IncidentError("the incident is closed; declare a new one if it is happening again")
        if status is Status.CLOSED and self.status is not Status.RESOLVED:
            raise IncidentError("resolve the incident before closing it")
        changed = replace(self, status=status, history=(*self.history, StatusChange(status, by, at, note)),
                          last_update_at=at, latest_update=note.strip() or self.latest_update)
        if status is not Status.INVESTIGATING:
            changed = changed.acknowledged(at)
        if status in (Status.MONITORING, Status.RESOLVED) and not changed.mitigated_at:
            changed = replace(changed, mitigated_at=at)
        if status is Status.RESOLVED:
            changed = replace(changed, resolved_at=at)
        elif status.is_open:
            changed = replace(changed, resolved_at=None)  # reopened: it is not resolved any more
        if status is Status.CLOSED:
            changed = replace(changed, closed_at=at)
        return changed

    def acknowledged(self, at: datetime) -> Incident:
        """Someone took it (the first time counts)."""
        return self if self.acknowledged_at else replace(self, acknowledged_at=at)

    def with_lead(self, lead: str, at: datetime) -> Incident:
        self._still_open()
        if lead == self.lead:
            raise IncidentError(f"<@{lead}> already leads this incident")
        return replace(self, lead=lead, lead_since=at).acknowledged(at)

    def with_role(self, role: str, user: str) -> Incident:
        self._still_open()
        name = role_name(role)
        if name == "lead":
            raise IncidentError("the lead has its own command: `lead @someone`")
        if not _ROLE.match(name):
            raise IncidentError(f"`{role[:40]}` is not a role name (letters, digits, spaces, - and _)")
        if name not in self.roles and len(self.roles) >= MAX_ROLES:
            raise IncidentError(f"an incident has at most {MAX_ROLES} roles")
        return replace(self, roles={**self.roles, name: user})

    def with_severity(self, severity: Severity) -> Incident:
        self._still_open()
        if severity is self.severity:
            raise IncidentError(f"the severity is already {severity.label}")
        # Raising it to 1 or 2 later pages then: the service compares before and after.
        return replace(self, severity=severity)

    def with_summary(self, summary: str) -> Incident:
        self._still_open()
        return replace(self, summary=summary.strip())

    def with_impact(self, impact: str) -> Incident:
        self._still_open()
        return replace(self, impact=impact.strip())

    def updated(self, at: datetime, text: str = "") -> Incident:
        """A status update was posted (`update <text>`): the "no update" reminder starts again, and the
        headline shows the text."""
        self._still_open()
        return replace(self, last_update_at=at, latest_update=text.strip() or self.latest_update)

    def with_action(self, text: str, owner: str | None, by: str, at: datetime) -> tuple[Incident, FollowUp]:
        if not text.strip():
            raise IncidentError("say what the action is: `action <text> [@owner]`")
        if shown_length(text.strip()) > MAX_ACTION_CHARS:  # refused whole: a cut would lose what was typed
            raise IncidentError(f"an action is at most {MAX_ACTION_CHARS} characters ({shown_length(text.strip())} "
                                "now); say the rest in an `update`")
        if len(self.actions) >= MAX_ACTIONS:
            raise IncidentError(f"an incident keeps at most {MAX_ACTIONS} actions")
        action = FollowUp(id=f"a{len(self.actions) + 1}", text=text.strip(), owner=owner, created_by=by,
                          created_at=at)
        return replace(self, actions=(*self.actions, action)), action

    def with_action_done(self, action_id: str, by: str, at: datetime) -> tuple[Incident, FollowUp]:
        action = self.action(action_id)
        if action.state is ActionState.DONE:
            raise IncidentError(f"action {action.id} is already done")
        done = replace(action, state=ActionState.DONE, done_by=by, done_at=at)
        return replace(self, actions=tuple(done if a.id == action.id else a for a in self.actions)), done

    def with_comms_channel(self, channel: str) -> Incident:
        return replace(self, comms_channel=channel)

    def with_comms_post(self, ts: str) -> Incident:
        return replace(self, comms_post=ts)

    def with_headline(self, channel: str, ts: str) -> Incident:
        return replace(self, headline=(channel, ts))

    def with_page(self, page_id: str) -> Incident:
        return self if page_id in self.page_ids else replace(self, page_ids=(*self.page_ids, page_id))

    def _still_open(self) -> None:
        if self.is_closed:
            raise IncidentError("the incident is closed; nothing about it changes any more")
