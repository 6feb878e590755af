"""What every `/klaxon` command shares: the parsed command, what it answers, and the error that refuses it.

Each topic's module (rules.py, settings.py, policies.py …) defines its commands as frozen dataclasses of
Command, their answers (facts: a rule list, a rule test, a change made), and registers them. Answers
are facts, not words: klaxon.slack.renderers.commands says them in Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class CommandError(ValueError):
    """Command text that cannot be accepted: `problem` names it, `usage` shows the right form."""

    def __init__(self, problem: str, usage: str = "") -> None:
        super().__init__(f"{problem}\nUsage:\n{usage}" if usage else problem)
        self.problem = problem
        self.usage = usage


@dataclass(frozen=True)
class Command:
    """A parsed `/klaxon` command (its topic's module defines it; the registry says who may run it)."""


class Answer:
    """What a command did, as facts (klaxon.slack.renderers.commands words them); `ok` unless it was refused."""

    ok: ClassVar[bool] = True


class Change:
    """A configuration change, as facts: what the answer says was done, and what the audit trail records."""


@dataclass(frozen=True)
class Refusal(Answer):
    """The command was not carried out, and nothing was written: `problem` says why, `usage` the right form."""

    ok: ClassVar[bool] = False
    problem: str
    usage: str = ""


@dataclass(frozen=True)
class Done(Answer):
    """A change was committed (and audited)."""

    change: Change


@dataclass(frozen=True)
class Unchanged(Answer):
    """The command asked for what already is: nothing was written."""

    change: Change
