"""Running `/klaxon`: parse, check who may, carry the command out, answer (SPEC §6).

Each command's handler lives with its grammar in its topic's module (klaxon.commands.registry); here a
command is parsed, refused unless an admin runs one that changes the configuration, and carried out.
Problems - in what was typed, in the workspace's names, in a rule, setting, policy or rule file - become
a Refusal naming them, and nothing is written.
"""

from __future__ import annotations

from klaxon import commands
from klaxon.commands.editing import Console, Invocation, Refused, require_admin
from klaxon.commands.model import Answer, CommandError, Refusal
from klaxon.commands.names import UnknownName
from klaxon.commands.registry import REGISTRY
from klaxon.configuration.as_code import RulesAsCodeError
from klaxon.configuration.model import ConfigurationError
from klaxon.paging.policies import PolicyError
from klaxon.rules import RuleError
from klaxon.silences.matchers import SilenceError

__all__ = ["Console", "Invocation", "run_command"]


def run_command(invocation: Invocation, console: Console) -> Answer:
    """Carry out one command and say what happened; problems become a refusal naming them."""
    try:
        command = commands.parse_command(invocation.text)
        verb = REGISTRY.of(command)
        if verb.admin:
            require_admin(invocation.actor, console)
        return verb.run(command, invocation, console)
    except CommandError as problem:
        return Refusal(problem.problem, problem.usage)
    except (Refused, UnknownName, RuleError, ConfigurationError, RulesAsCodeError, PolicyError,
            SilenceError) as problem:
        return Refusal(str(problem))
