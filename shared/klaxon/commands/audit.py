"""`/klaxon audit [N]`: the latest configuration changes - who, when, what, before and after (SPEC §6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from klaxon.commands.editing import Console, Invocation
from klaxon.commands.model import Answer, Command
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words, whole_number
from klaxon.configuration.model import AuditEntry

DEFAULT_AUDIT_LIMIT = 10
MAX_AUDIT_LIMIT = 50


@dataclass(frozen=True)
class ShowAudit(Command):
    """The latest changes: who, when, before and after."""

    limit: int = DEFAULT_AUDIT_LIMIT


@dataclass(frozen=True)
class AuditShown(Answer):
    entries: Sequence[AuditEntry]  # newest first


def _parse(words: Words) -> ShowAudit:
    word = words.next()
    limit = DEFAULT_AUDIT_LIMIT if word is None else whole_number(word, "audit", 1, MAX_AUDIT_LIMIT)
    words.end(after=f"audit {limit}")
    return ShowAudit(limit)


def _run(command: ShowAudit, invocation: Invocation, console: Console) -> Answer:
    return AuditShown(console.configuration.audit_trail(command.limit))


REGISTRY.add(Verb("audit", f"/klaxon audit [1-{MAX_AUDIT_LIMIT}]", _parse, _run), ShowAudit)
