"""Every `/klaxon` command, registered once: its words, its usage line, who may run it, its grammar and its
handler, together in its topic's module (rules.py, settings.py, policies.py …).

The registry reads a command's first words - the topic (`rule`), then, for topics with verbs, the verb
(`rule add`) - and hands the rest to that command's grammar. Problems name what was typed, with a
suggestion (`did you mean "rule"?`) and the usage of what was meant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klaxon.commands.model import Answer, Command, CommandError
from klaxon.commands.words import Words, unknown

if TYPE_CHECKING:
    from klaxon.commands.editing import Console, Invocation


@dataclass(frozen=True)
class Verb:
    """One command: the words that name it, its usage line, its grammar and handler, and whether only
    admins may run it (every command that changes the configuration)."""

    words: str  # "rule add", "settings verbose", "export", or a topic alone that has verbs ("settings")
    usage: str  # its usage line (lines, for a command with more than one form)
    parse: Callable[[Words], Command]
    run: Callable[[Any, Invocation, Console], Answer]  # its own command type, the invocation, the console
    admin: bool = False
    # A topic registered alone that also reads the words when they name none of its verbs: `silence
    # host=db-7 for 2h` beside `silence list` (without it, such words are an unknown verb, as for settings).
    fallback: bool = False

    @property
    def topic(self) -> str:
        return self.words.split(" ", 1)[0]

    @property
    def verb(self) -> str | None:
        return self.words.split(" ", 1)[1] if " " in self.words else None


class Registry:
    """The commands, in the order they are shown (topics, and each topic's verbs, as registered)."""

    def __init__(self) -> None:
        self._verbs: dict[str, Verb] = {}
        self._by_type: dict[type[Command], Verb] = {}

    def add(self, verb: Verb, command: type[Command]) -> None:
        """Register a command; `command` is the type its grammar returns (several words may share one)."""
        if verb.words in self._verbs:
            raise ValueError(f"/klaxon {verb.words} is registered twice")
        self._verbs[verb.words] = verb
        self._by_type.setdefault(command, verb)

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(verb.topic for verb in self._verbs.values()))

    def verbs(self, topic: str) -> list[str]:
        return [verb.verb for verb in self._verbs.values() if verb.topic == topic and verb.verb]

    @property
    def usage(self) -> dict[str, str]:
        """Each topic's usage lines, for `help` and for the usage shown with every CommandError."""
        return {topic: "\n".join(verb.usage for verb in self._verbs.values() if verb.topic == topic)
                for topic in self.topics}

    def of(self, command: Command) -> Verb:
        """The registration of a parsed command."""
        return self._by_type[type(command)]

    def parse(self, text: str, empty: Callable[[], Command]) -> Command:
        """The command in a `/klaxon` text as Slack delivers it (escaped); empty text is `empty()`.

        Raises CommandError naming the problem, with the usage of the command that was meant.
        """
        words = Words(text)
        first = words.next()
        if first is None:
            return empty()
        topic = first.lower()
        if topic not in self.topics:
            raise CommandError(unknown("command", first, self.topics), self.usage["help"])
        verb = self._verb(topic, words)
        try:
            return verb.parse(words)
        except CommandError as exc:
            raise (exc if exc.usage else CommandError(exc.problem, verb.usage if verb.verb
                                                      else self.usage[topic])) from None

    def _verb(self, topic: str, words: Words) -> Verb:
        """`rule add`, `policy set`, `settings verbose` …; or the topic alone for commands without verbs."""
        verbs = self.verbs(topic)
        if not verbs:
            return self._verbs[topic]
        word = words.peek()
        alone = self._verbs.get(topic)
        if alone is not None and (word is None or (alone.fallback and word.lower() not in verbs)):
            return alone  # `settings` alone shows them; `silence host=db-7 …` adds one
        if word is None:
            raise CommandError(f"{topic} needs one of: {', '.join(verbs)}", self.usage[topic])
        if word.lower() not in verbs:
            noun = "setting" if topic == "settings" else f"{topic} command"
            raise CommandError(unknown(noun, word, verbs), self.usage[topic])
        words.next()
        return self._verbs[f"{topic} {word.lower()}"]


REGISTRY = Registry()
"""The one registry: each topic's module adds its commands when it is imported (klaxon.commands does)."""
