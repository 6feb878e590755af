"""`/klaxon report`: what the digests list, on demand - alerts nobody acknowledged, in every incidents
channel (and, in verbose mode, what was handled and by whom) (SPEC §2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from klaxon.alerts.digests import HANDLED_LOOKBACK, Digest
from klaxon.commands.editing import Console, Invocation
from klaxon.commands.model import Answer, Command
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words

REPORT_LIMIT = 200


@dataclass(frozen=True)
class ShowReport(Command):
    """The alerts nobody handled, as the digest lists them."""


@dataclass(frozen=True)
class ReportShown(Answer):
    """The digest across every channel (its `channel` is empty): the digests' own renderer shows it."""

    report: Digest


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
    return ReportShown(Digest(channel="", unacknowledged=tuple(overdue), handled=tuple(handled),
                              older_than_seconds=preferences.digest_after_seconds,
                              verbose=preferences.verbose_digest))


REGISTRY.add(Verb("report", "/klaxon report", _parse, _run), ShowReport)
