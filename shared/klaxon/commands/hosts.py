"""`/klaxon hosts …`: the host board now, and muting a host (SPEC §5, after uptime-check-manager).

    /klaxon hosts                            the board, as the board channels show it (only to you)
    /klaxon hosts mute db-7 [for 2h] [comment "disk swap"]
    /klaxon hosts muted
    /klaxon hosts unmute db-7

A host mute is a silence whose one matcher is `host=<name>` (klaxon.silences.model.host_mute): its alerts are
recorded, neither posted nor paged, and the board shows it muted until the mute ends. A mute without `for`
lasts as long as a silence can, MAX_SILENCE (30 days), and `hosts muted` shows when it ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from klaxon.commands.editing import Console, Invocation, Refused
from klaxon.commands.model import Answer, Change, Command, CommandError, Done
from klaxon.commands.references import plain_text
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.silences import begin, end
from klaxon.commands.words import Words, duration, quoted_text, unknown
from klaxon.monitoring.hosts import MAX_HOST_CHARS, Board, compose
from klaxon.rules.patterns import quote
from klaxon.silences.model import MAX_SILENCE, Silence, host_mute, host_mutes, muted_host

_HOST = re.compile(rf"[\w.:/@+-]{{1,{MAX_HOST_CHARS}}}")  # shown in Slack too: no markup characters
_MUTE_OPTIONS = ("for", "comment")


# ---------------------------------------------------------------------- the commands
@dataclass(frozen=True)
class ShowHosts(Command):
    """The host board now."""


@dataclass(frozen=True)
class MuteHost(Command):
    """Mute a host: for `seconds`, or (None) as long as a silence can last."""

    host: str
    seconds: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class ListMutes(Command):
    """The muted hosts."""


@dataclass(frozen=True)
class UnmuteHost(Command):
    host: str


@dataclass(frozen=True)
class HostsShown(Answer):
    board: Board


@dataclass(frozen=True)
class MutesListed(Answer):
    mutes: tuple[tuple[str, Silence], ...]  # host and its mute, by host name
    now: datetime


@dataclass(frozen=True)
class HostMuted(Change):
    host: str
    silence: Silence


@dataclass(frozen=True)
class HostUnmuted(Change):
    host: str
    silence: Silence  # as it ended


# ---------------------------------------------------------------------- grammar
def _show(words: Words) -> ShowHosts:
    words.end(after="hosts")
    return ShowHosts()


def _mute(words: Words) -> MuteHost:
    host = host_name(words.next())
    seconds, comment = None, ""
    while (word := words.next()) is not None:
        option = word.lower()
        if option == "for" and seconds is None:
            seconds = duration(words.next(), "for")
        elif option == "comment" and not comment:
            comment = quoted_text(words, "comment", stop=_MUTE_OPTIONS)
        else:
            raise CommandError(unknown("option", word, _MUTE_OPTIONS))
    return MuteHost(host, seconds, comment)


def _muted(words: Words) -> ListMutes:
    words.end(after="hosts muted")
    return ListMutes()


def _unmute(words: Words) -> UnmuteHost:
    host = host_name(words.next())
    words.end(after=f"the host {host}")
    return UnmuteHost(host)


def host_name(word: str | None) -> str:
    """A host as monitoring names it (`db-7`, `api-3.example.com`, `i-0f672ea50a80cda4b`), as typed."""
    if word is None:
        raise CommandError("a host name is missing, such as db-7 (`/klaxon hosts` lists them)")
    host = plain_text(word)  # Slack links a name that looks like a domain: the name as typed
    if not _HOST.fullmatch(host):
        raise CommandError(f'"{quote(host)}" is not a host name such as db-7 (`/klaxon hosts` lists them)')
    return host


# ---------------------------------------------------------------------- handlers
def _run_show(command: ShowHosts, invocation: Invocation, console: Console) -> Answer:
    now = console.clock.now()
    mutes = host_mutes(console.silences.all(), now)
    return HostsShown(compose(console.hosts.all(), {host: mute.ends_at for host, mute in mutes.items()}))


def _run_mute(command: MuteHost, invocation: Invocation, console: Console) -> Answer:
    lasting = timedelta(seconds=command.seconds) if command.seconds else MAX_SILENCE
    mute = host_mute(command.host, now=console.clock.now(), lasting=lasting, by=invocation.actor,
                     comment=command.comment)
    return begin(mute, HostMuted(command.host, mute), "hosts mute", invocation, console)


def _run_muted(command: ListMutes, invocation: Invocation, console: Console) -> Answer:
    now = console.clock.now()
    return MutesListed(tuple(sorted(host_mutes(console.silences.all(), now).items())), now)


def _run_unmute(command: UnmuteHost, invocation: Invocation, console: Console) -> Answer:
    now = console.clock.now()
    mutes = [silence for silence in console.silences.all()
             if muted_host(silence) == command.host and silence.is_active(now)]
    ended = [silence.expired(invocation.actor, now) for silence in mutes]
    done = [after for before, after in zip(mutes, ended, strict=True)
            if end(before, after, HostUnmuted(command.host, after), "hosts unmute", invocation, console)]
    if not done:
        raise Refused(f"`{command.host}` is not muted; `/klaxon hosts muted` lists the muted hosts")
    return Done(HostUnmuted(command.host, done[-1]))


# ---------------------------------------------------------------------- registration
REGISTRY.add(Verb("hosts", "/klaxon hosts", _show, _run_show), ShowHosts)
REGISTRY.add(Verb("hosts mute", f'/klaxon hosts mute <host> [for 2h] [comment "<text>"]   (without for: '
                                f"{MAX_SILENCE.days}d)", _mute, _run_mute, admin=True), MuteHost)
REGISTRY.add(Verb("hosts muted", "/klaxon hosts muted", _muted, _run_muted), ListMutes)
REGISTRY.add(Verb("hosts unmute", "/klaxon hosts unmute <host>", _unmute, _run_unmute, admin=True), UnmuteHost)
