"""`/klaxon report`: what the digests list, on demand - alerts nobody acknowledged, in every incidents
channel (and, in verbose mode, what was handled and by whom) (SPEC §2) - and how many alerts silences kept
quiet in the last day (SPEC §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from klaxon.alerts.digests import HANDLED_LOOKBACK, Digest
from klaxon.alerts.model import Alert
from klaxon.commands.editing import Console, Invocation
from klaxon.commands.model import Answer, Command
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words

REPORT_LIMIT = 200
SILENCED_LOOKBACK = timedelta(hours=24)
SILENCED_LIMIT = 1000  # counted up to this; more shows as "1000+"


@dataclass(frozen=True)
class ShowReport(Command):
    """The alerts nobody handled, as the digest lists them."""


@dataclass(frozen=True)
class ReportShown(Answer):
    """The digest across every channel (its `channel` is empty): the digests' own renderer shows it; and the
    alerts silences held back in the last SILENCED_LOOKBACK (at most SILENCED_LIMIT of them)."""

    report: Digest
    silenced: tuple[Alert, ...] = ()


def _parse(words: Words) -> ShowReport:
    words.end(after="report")
    return ShowReport()


def _run(command: ShowReport, invocation: Invocation, console: Console) -> Answer:
    preferences = console.configuration.load().preferences
    now = console.clock.now()
    overdue = console.alerts.unacknowledged(seen_before=now - timedelta(seconds=preferences.digest_after_seconds),
                                            limit=REPORT_LIMIT)
    handled = console.alerts.recently_handled(now - HANDLED_LOOKBACK, limit=REPORT_LIMIT) \
        if preferences.verbose_digest else []
    silenced = console.alerts.silenced(now - SILENCED_LOOKBACK, limit=SILENCED_LIMIT)
    return ReportShown(Digest(channel="", unacknowledged=tuple(overdue), handled=tuple(handled),
                              older_than_seconds=preferences.digest_after_seconds,
                              verbose=preferences.verbose_digest), silenced=tuple(silenced))


REGISTRY.add(Verb("report", "/klaxon report", _parse, _run), ShowReport)
