"""The `/klaxon` slash command: text in, one typed command out (`parse_command`), carried out by
klaxon.commands.service.run_command into an answer (facts, which klaxon.slack.renderers.commands words).

A module per topic registers its commands - grammar, usage line, who may run it, and handler together
(klaxon.commands.registry). They are imported here in the order help lists them; `help` comes last.
Adding a verb touches its topic's module (and the renderer of what it answers).
"""

from klaxon.commands import (
    audit,
    channels,
    doctor,
    hosts,
    incident_settings,
    keywords,
    policies,
    report,
    rule_files,
    rules,
    settings,
    silences,
)
from klaxon.commands import help as help_topic
from klaxon.commands.audit import ShowAudit
from klaxon.commands.channels import SetChannelDefault
from klaxon.commands.durations import DurationError, parse_duration
from klaxon.commands.help import Help
from klaxon.commands.model import Command, CommandError
from klaxon.commands.policies import ListPolicies, PolicyLevel, RemovePolicy, SetPolicy, ShowPolicy, UsePolicy
from klaxon.commands.references import ChannelRef, MentionKind, MentionRef, plain_text
from klaxon.commands.registry import REGISTRY
from klaxon.commands.report import ShowReport
from klaxon.commands.rule_files import Export, Import, ImportFormat
from klaxon.commands.rules import AddRule, EnableRule, ListRules, MoveRule, Placement, RemoveRule, TestRule, Where
from klaxon.commands.settings import (
    ChangeSetting,
    SetDigestAfter,
    SetDmReply,
    SetGroupingWindow,
    SetHandledReactions,
    SetPagingChannels,
    SetReconcileLimit,
    SetReminderChannel,
    SetReminderHours,
    SetVerbose,
    ShowSettings,
)

USAGE: dict[str, str] = REGISTRY.usage
"""Usage lines per help topic, for `Help` and for the usage shown with every CommandError."""


def parse_command(text: str) -> Command:
    """The command in a `/klaxon` text as Slack delivers it (escaped); empty text asks for help.

    Raises CommandError naming the problem, with the usage of the command that was meant.
    """
    return REGISTRY.parse(text, empty=Help)


def changes_configuration(command: Command) -> bool:
    """Whether only admins may run the command (every command that changes the configuration)."""
    return REGISTRY.of(command).admin


__all__ = [
    "USAGE",
    "AddRule",
    "ChangeSetting",
    "ChannelRef",
    "Command",
    "CommandError",
    "DurationError",
    "EnableRule",
    "Export",
    "Help",
    "Import",
    "ImportFormat",
    "ListPolicies",
    "ListRules",
    "MentionKind",
    "MentionRef",
    "MoveRule",
    "Placement",
    "PolicyLevel",
    "RemovePolicy",
    "RemoveRule",
    "SetChannelDefault",
    "SetDigestAfter",
    "SetDmReply",
    "SetGroupingWindow",
    "SetHandledReactions",
    "SetPagingChannels",
    "SetPolicy",
    "SetReconcileLimit",
    "SetReminderChannel",
    "SetReminderHours",
    "SetVerbose",
    "ShowAudit",
    "ShowPolicy",
    "ShowReport",
    "ShowSettings",
    "TestRule",
    "UsePolicy",
    "Where",
    "audit",
    "changes_configuration",
    "channels",
    "doctor",
    "help_topic",
    "hosts",
    "incident_settings",
    "keywords",
    "parse_command",
    "parse_duration",
    "plain_text",
    "policies",
    "report",
    "rule_files",
    "rules",
    "settings",
    "silences",
]
