"""`/klaxon help [topic]`: every command's usage, or one topic's. Registered last (klaxon.commands imports the
topics first), so its usage line names every topic."""

from __future__ import annotations

from dataclasses import dataclass

from klaxon.commands.editing import Console, Invocation
from klaxon.commands.model import Answer, Command, CommandError
from klaxon.commands.registry import REGISTRY, Verb
from klaxon.commands.words import Words, unknown


@dataclass(frozen=True)
class Help(Command):
    """Show usage: every topic, or one of USAGE's topics."""

    topic: str | None = None


@dataclass(frozen=True)
class HelpShown(Answer):
    topic: str | None
    usage: dict[str, str]  # each topic's usage lines


def _parse(words: Words) -> Help:
    word = words.next()  # further words (`help rule add`) narrow nothing: a topic's usage is short
    if word is None:
        return Help()
    if word.lower() not in REGISTRY.topics:
        raise CommandError(unknown("help topic", word, REGISTRY.topics))
    return Help(word.lower())


def _run(command: Help, invocation: Invocation, console: Console) -> Answer:
    return HelpShown(command.topic, REGISTRY.usage)


REGISTRY.add(Verb("help", f"/klaxon help [{'|'.join(REGISTRY.topics)}]", _parse, _run), Help)
