"""The `/klaxon` commands as typed values: what `parse_command` returns, and the error it raises."""

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from klaxon.commands.references import ChannelRef, MentionRef
from klaxon.rules import Action, ChannelDefault, TimeWindow

DEFAULT_AUDIT_LIMIT = 10
DEFAULT_LEVEL_WAIT_SECONDS = 60


class CommandError(ValueError):
    """Command text that cannot be accepted: `problem` names it, `usage` shows the right form."""

    def __init__(self, problem: str, usage: str = "") -> None:
        super().__init__(f"{problem}\nUsage:\n{usage}" if usage else problem)
        self.problem = problem
        self.usage = usage


# --- Commands -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A parsed `/klaxon` command. `changes_configuration` marks the commands only admins may run."""

    changes_configuration: ClassVar[bool] = False


@dataclass(frozen=True)
class Help(Command):
    """Show usage: every topic, or one of USAGE's topics."""

    topic: str | None = None


@dataclass(frozen=True)
class AddRule(Command):
    """A new alert rule. `pattern` is in the notation `Rule.create` reads (bare or `/…/i`), already checked."""

    changes_configuration: ClassVar[bool] = True
    pattern: str
    target: ChannelRef
    label: str = ""
    window: TimeWindow | None = None
    action: Action = Action.ALERT
    channels: tuple[ChannelRef, ...] = ()
    posters: tuple[MentionRef, ...] = ()  # users, bots, or EITHER names (a user or a bot)
    hotline: tuple[MentionRef, ...] = ()
    policy: str | None = None
    ack_timeout_seconds: int | None = None
    name: str | None = None  # None: the rule is named after its pattern


@dataclass(frozen=True)
class ListRules(Command):
    """Show the rules in order."""


@dataclass(frozen=True)
class TestRule(Command):
    """Say which rule would take a message, and what would happen.

    `text` stays in Slack's markup, as a channel message's text does, so it is judged exactly as one; it
    may also be a message's link or JSON (klaxon.commands.trial reads those).
    """

    text: str


@dataclass(frozen=True)
class RemoveRule(Command):
    """Delete a rule."""

    changes_configuration: ClassVar[bool] = True
    rule_id: str


@dataclass(frozen=True)
class EnableRule(Command):
    """Turn a rule on (`rule enable`) or off (`rule disable`) without losing its place."""

    changes_configuration: ClassVar[bool] = True
    rule_id: str
    enabled: bool


class Where(StrEnum):
    """Where `rule move` puts a rule."""

    TOP = "top"
    BOTTOM = "bottom"
    POSITION = "position"  # 1-based, as `rule list` numbers them
    BEFORE = "before"
    AFTER = "after"


@dataclass(frozen=True)
class Placement:
    """A place in the rule order: `position` is set for POSITION, `anchor` (a rule id) for BEFORE/AFTER."""

    where: Where
    position: int | None = None
    anchor: str | None = None


@dataclass(frozen=True)
class MoveRule(Command):
    """Change a rule's place in the order (the first matching rule wins)."""

    changes_configuration: ClassVar[bool] = True
    rule_id: str
    placement: Placement


@dataclass(frozen=True)
class SetChannelDefault(Command):
    """What a watched channel does with messages no rule matches."""

    changes_configuration: ClassVar[bool] = True
    channel: ChannelRef
    default: ChannelDefault


@dataclass(frozen=True)
class Export(Command):
    """Rules, policies and settings as YAML."""


class ImportFormat(StrEnum):
    """The kinds of rule file `import` reads."""

    IMS = "ims"  # IMS's IMS.ini
    YAML = "yaml"  # Klaxon's own export


@dataclass(frozen=True)
class Import(Command):
    """Rules from a pasted file. Slack's links in `text` are turned back into ids and typed text."""

    changes_configuration: ClassVar[bool] = True
    format: ImportFormat
    text: str


@dataclass(frozen=True)
class ShowAudit(Command):
    """The latest changes: who, when, before and after."""

    limit: int = DEFAULT_AUDIT_LIMIT


@dataclass(frozen=True)
class ShowReport(Command):
    """The alerts nobody handled, as the digest lists them."""


@dataclass(frozen=True)
class ShowSettings(Command):
    """The workspace's settings."""


@dataclass(frozen=True)
class ChangeSetting(Command):
    """A change to one workspace setting; each setting is a subclass carrying a typed value."""

    changes_configuration: ClassVar[bool] = True
    setting: ClassVar[str]


@dataclass(frozen=True)
class SetHandledReactions(ChangeSetting):
    """Reaction names (without colons) that mark an alert handled; the first is the one Klaxon adds."""

    setting: ClassVar[str] = "handled-reactions"
    reactions: tuple[str, ...]


@dataclass(frozen=True)
class SetDigestAfter(ChangeSetting):
    """Alerts unacknowledged longer than this are listed in the digest."""

    setting: ClassVar[str] = "digest-after"
    seconds: int


@dataclass(frozen=True)
class SetVerbose(ChangeSetting):
    """Whether the digest also lists handled alerts and who handled them."""

    setting: ClassVar[str] = "verbose"
    verbose: bool


@dataclass(frozen=True)
class SetReminderChannel(ChangeSetting):
    """Where reminders are posted; None turns reminders off."""

    setting: ClassVar[str] = "reminder-channel"
    channel: ChannelRef | None


@dataclass(frozen=True)
class SetReminderHours(ChangeSetting):
    """Local times (minutes after midnight, sorted) at which reminders are posted; empty turns them off."""

    setting: ClassVar[str] = "reminder-hours"
    minutes: tuple[int, ...]
    zone: str = "UTC"


@dataclass(frozen=True)
class SetReconcileLimit(ChangeSetting):
    """How many `reactions.get` calls one sweep may make to repair missed reaction events."""

    setting: ClassVar[str] = "reconcile-limit"
    limit: int


@dataclass(frozen=True)
class SetGroupingWindow(ChangeSetting):
    """How long a repeat of the same alert updates the existing post instead of reposting."""

    setting: ClassVar[str] = "grouping-window"
    seconds: int


@dataclass(frozen=True)
class SetPagingChannels(ChangeSetting):
    """`settings paging-channels #a #b` (only there do mentions page) or `all` (an empty tuple)."""

    setting: ClassVar[str] = "paging-channels"
    channels: tuple[ChannelRef, ...]


@dataclass(frozen=True)
class SetDmReply(ChangeSetting):
    """`settings dm-reply "<text>"`: what Klaxon answers a direct message; None for the default."""

    setting: ClassVar[str] = "dm-reply"
    text: str | None


@dataclass(frozen=True)
class PolicyLevel:
    """One escalation step: who gets the page, and how long to wait for an ack before the next level."""

    handlers: tuple[MentionRef, ...]  # users, user groups, or EITHER names (a user or a user group)
    wait_seconds: int = DEFAULT_LEVEL_WAIT_SECONDS


@dataclass(frozen=True)
class SetPolicy(Command):
    """Create or replace an escalation policy; after the last level it starts again `repeat` times."""

    changes_configuration: ClassVar[bool] = True
    name: str
    levels: tuple[PolicyLevel, ...]
    repeat: int = 0


@dataclass(frozen=True)
class ShowPolicy(Command):
    """One policy's levels."""

    name: str


@dataclass(frozen=True)
class ListPolicies(Command):
    """Every policy, and where each is used."""


@dataclass(frozen=True)
class UsePolicy(Command):
    """Page with this policy when the bot is mentioned in `channel`; None makes it the default."""

    changes_configuration: ClassVar[bool] = True
    name: str
    channel: ChannelRef | None


@dataclass(frozen=True)
class RemovePolicy(Command):
    """Delete a policy."""

    changes_configuration: ClassVar[bool] = True
    name: str


# --- Reading words ------------------------------------------------------------------------------
