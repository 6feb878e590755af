"""`/klaxon silence …`: silence alerts matching Alertmanager-style matchers for a while, list the silences,
end one early (SPEC §5). Silences are kept apart from the configuration: adding or ending one changes no
rule, and each change is audited with it in one write.

    /klaxon silence host=db-7, severity!=info for 2h comment "disk swap"
    /klaxon silence list
    /klaxon silence expire s-3fa2c1
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from klaxon.commands.editing import Console, Invocation, Refused, audit_entry
from klaxon.commands.model import Answer, Change, Command, CommandError, Done
from klaxon.commands.references import plain_text
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import OPEN_QUOTES, Words, duration, quoted_text
from klaxon.rules.patterns import quote
from klaxon.silences.matchers import Matcher, SilenceError, parse_matchers
from klaxon.silences.model import SILENCE_ID, Silence, listed

_FOR = re.compile(r"(?<!\S)for(?=\s|$)", re.IGNORECASE)


# ---------------------------------------------------------------------- the commands
@dataclass(frozen=True)
class AddSilence(Command):
    """Silence alerts matching every matcher, from now, for `seconds`."""

    matchers: tuple[Matcher, ...]
    seconds: int
    comment: str = ""


@dataclass(frozen=True)
class ListSilences(Command):
    """The silences in force, and those ended in the last day."""


@dataclass(frozen=True)
class ExpireSilence(Command):
    """End a silence now."""

    silence_id: str


@dataclass(frozen=True)
class SilencesListed(Answer):
    silences: tuple[Silence, ...]  # in force (ending soonest first), then ended (latest first)
    now: datetime


@dataclass(frozen=True)
class SilenceAdded(Change):
    silence: Silence


@dataclass(frozen=True)
class SilenceExpired(Change):
    silence: Silence  # as it ended


# ---------------------------------------------------------------------- grammar
def _add(words: Words) -> AddSilence:
    """`<matcher>[, <matcher>…] for <duration> [comment "<text>"]`: the matchers run to the first `for`
    outside quotes, so `text=~"time for coffee"` keeps its `for`."""
    text = plain_text(words.rest(), references="ids")  # `channel=<#C0123|ops>` is matched by the channel's id
    split = _first_for(text)
    try:
        matchers = parse_matchers(text[:split.start()] if split else text)  # without `for`: a quote left open?
    except SilenceError as problem:
        raise CommandError(str(problem)) from None
    if split is None:
        raise CommandError('a silence needs "for <duration>" after its matchers, such as host=db-7 for 2h')
    after = Words(text, split.end())
    seconds = duration(after.next(), "for")
    comment = ""
    if (after.peek() or "").lower() == "comment":
        after.next()
        comment = quoted_text(after, "comment")
    after.end(after="the silence's duration and comment")
    return AddSilence(matchers, seconds, comment)


def _first_for(text: str) -> re.Match[str] | None:
    """The first standalone `for` outside double quotes (straight or curly), skipping `\\"` escapes."""
    quoted, escaped = False, False
    outside: list[int] = []
    for position, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char in OPEN_QUOTES:
            quoted = not quoted
        elif not quoted:
            outside.append(position)
    unquoted = set(outside)
    return next((found for found in _FOR.finditer(text) if found.start() in unquoted), None)


def _list(words: Words) -> ListSilences:
    words.end(after="silence list")
    return ListSilences()


def _expire(words: Words) -> ExpireSilence:
    silence_id = silence_id_of(words.next())
    words.end(after=f"the silence id {silence_id}")
    return ExpireSilence(silence_id)


def silence_id_of(word: str | None) -> str:
    """A silence id as `silence list` shows it (`s-3fa2c1`)."""
    if word is None:
        raise CommandError("a silence id is missing, such as s-3fa2c1 (silence list shows them)")
    if not SILENCE_ID.fullmatch(word.lower()):
        raise CommandError(f'"{quote(plain_text(word))}" is not a silence id such as s-3fa2c1 '
                           "(silence list shows them)")
    return word.lower()


# ---------------------------------------------------------------------- handlers
def _run_add(command: AddSilence, invocation: Invocation, console: Console) -> Answer:
    silence = Silence.create(command.matchers, now=console.clock.now(), lasting=timedelta(seconds=command.seconds),
                             by=invocation.actor, comment=command.comment)
    return begin(silence, SilenceAdded(silence), "silence add", invocation, console)


def begin(silence: Silence, change: Change, action: str, invocation: Invocation, console: Console) -> Answer:
    """Store a new silence (a host mute is one too) with its audit entry (`change` words it)."""
    console.silences.add(silence, audit_entry(console, invocation, action, change, after=silence_record(silence)))
    return Done(change)


def _run_list(command: ListSilences, invocation: Invocation, console: Console) -> Answer:
    now = console.clock.now()
    return SilencesListed(tuple(listed(console.silences.all(), now)), now)


def _run_expire(command: ExpireSilence, invocation: Invocation, console: Console) -> Answer:
    silence = console.silences.get(command.silence_id)
    if silence is None:
        raise Refused(f"there is no silence `{command.silence_id}`; `/klaxon silence list` shows them")
    ended = silence.expired(invocation.actor, console.clock.now())
    if not end(silence, ended, SilenceExpired(ended), "silence expire", invocation, console):
        raise Refused(f"silence `{silence.id}` has already ended; `/klaxon silence list` shows when")
    return Done(SilenceExpired(ended))


def end(silence: Silence, ended: Silence, change: Change, action: str, invocation: Invocation,
        console: Console) -> bool:
    """Store that `silence` ended now (`ended`, as Silence.expired made it) with its audit entry; False if it
    had ended already (by time, or someone else got there first)."""
    entry = audit_entry(console, invocation, action, change, before=silence_record(silence),
                        after=silence_record(ended))
    return ended != silence and console.silences.end(ended, entry)


def silence_record(silence: Silence) -> dict[str, Any]:
    """A silence as the audit trail keeps it."""
    return {"id": silence.id, "matchers": [str(matcher) for matcher in silence.matchers],
            "starts_at": silence.starts_at.isoformat(), "ends_at": silence.ends_at.isoformat(),
            "created_by": silence.created_by, "comment": silence.comment, "expired_by": silence.expired_by}


# ---------------------------------------------------------------------- registration
REGISTRY.add(Verb("silence", '/klaxon silence <matcher>[, <matcher>…] for <duration> [comment "<text>"]   '
                             "(matchers as in Alertmanager: host=db-7, source=gcp, severity!=info, "
                             'alertname=~"Disk.*", text=~"disk full")',
                  _add, _run_add, admin=True, fallback=True), AddSilence)
REGISTRY.add(Verb("silence list", "/klaxon silence list", _list, _run_list), ListSilences)
REGISTRY.add(Verb("silence expire", "/klaxon silence expire <silence-id>", _expire, _run_expire, admin=True),
             ExpireSilence)
