"""`/klaxon channel #channel default ignore|ack|alert`: what a watched channel does with messages no rule
matches (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass

from klaxon.commands.editing import Console, Edit, Invocation, edit
from klaxon.commands.model import Answer, Change, Command, CommandError
from klaxon.commands.names import Names
from klaxon.commands.references import ChannelRef
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words, channel, choice
from klaxon.configuration.model import Configuration
from klaxon.rules import ChannelDefault


@dataclass(frozen=True)
class SetChannelDefault(Command):
    """What a watched channel does with messages no rule matches."""

    channel: ChannelRef
    default: ChannelDefault


@dataclass(frozen=True)
class ChannelDefaultSet(Change):
    channel: str
    default: ChannelDefault


def _parse(words: Words) -> SetChannelDefault:
    where = channel(words.next())
    keyword = words.next()
    if keyword is None or keyword.lower() != "default":
        raise CommandError(f'after {where.readable()} write "default" and then ignore, ack or alert')
    default = choice(words.next(), ChannelDefault, "channel default")
    words.end(after=f"default {default}")
    return SetChannelDefault(where, default)


def _run(command: SetChannelDefault, invocation: Invocation, console: Console) -> Answer:
    where = Names(console.directory).channel(command.channel)

    def set_default(config: Configuration) -> Edit:
        return Edit(config.with_channel_default(where, command.default), ChannelDefaultSet(where, command.default),
                    before=str(config.channel_default(where)), after=str(command.default))

    return edit(console, invocation, "channel default", set_default)


REGISTRY.add(Verb("channel", "/klaxon channel #channel default ignore|ack|alert", _parse, _run, admin=True),
             SetChannelDefault)
