"""`/klaxon report`: what the digests list, on demand - alerts nobody acknowledged, in every incidents
channel (and, in verbose mode, what was handled and by whom) (SPEC §2) - and how many alerts silences kept
quiet in the last day (SPEC §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert
from klaxon.alerts.overdue import overdue_digests
from klaxon.commands.editing import Console, Invocation
from klaxon.commands.model import Answer, Command
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words

SILENCED_LOOKBACK = timedelta(hours=24)
SILENCED_LIMIT = 1000  # counted up to this; more shows as "1000+"


@dataclass(frozen=True)
class ShowReport(Command):
    """The alerts nobody handled, as the digests list them."""


@dataclass(frozen=True)
class ReportShown(Answer):
    """Every incidents channel's digest as the sweep would draw it now (the digests' own renderer shows them);
    and the alerts silences held back in the last SILENCED_LOOKBACK (at most SILENCED_LIMIT of them)."""

    digests: tuple[Digest, ...]
    older_than_seconds: int
    verbose: bool
    silenced: tuple[Alert, ...] = ()


def _parse(words: Words) -> ShowReport:
    words.end(after="report")
    return ShowReport()


def _run(command: ShowReport, invocation: Invocation, console: Console) -> Answer:
    """The same reading as the sweep's digests (klaxon.alerts.overdue), so the report agrees with them."""
    preferences = console.configuration.load().preferences
    now = console.clock.now()
    channels = console.digests.all() if console.digests is not None else {}
    digests = overdue_digests(console.alerts, channels, preferences, now)
    silenced = console.alerts.silenced(now - SILENCED_LOOKBACK, limit=SILENCED_LIMIT)
    return ReportShown(tuple(d for d in digests if not d.is_empty), preferences.digest_after_seconds,
                       preferences.verbose_digest, silenced=tuple(silenced))


REGISTRY.add(Verb("report", "/klaxon report", _parse, _run), ShowReport)
