"""Reading `/klaxon` text: the word reader and the value parsers every topic's grammar shares.

Words are separated by any whitespace; Slack's `<…>` markup (channels, people, links) is one word even
with spaces inside. Keywords (commands, options, `top`, `off` …) are read in any case; rule ids, names in
quotes and patterns are taken as written. Every parser raises CommandError naming the problem in plain
words; the registry adds the usage of the command that was meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable
from enum import StrEnum

from klaxon.commands.durations import DurationError, parse_duration
from klaxon.commands.model import CommandError
from klaxon.commands.references import ChannelRef, MentionKind, MentionRef, channel_ref, mention_ref, plain_text
from klaxon.rules.patterns import quote

POLICY_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")

_WORD = re.compile(r"(?:<[^<>]*>|\S)+")  # Slack's <…> markup is one word even with spaces inside
OPEN_QUOTES = "\"“”„"  # Slack clients often turn a typed " into curly quotes
CLOSE_QUOTES = "\"“”"
_CLOSE_QUOTE = re.compile(f"[{CLOSE_QUOTES}]")
# A whole number as typed: ASCII digits (str.isdigit also takes `²`, which int() refuses), at most 18 - more
# than any count or position Klaxon takes, and int() raises on text of more than 4,300 digits.
_NUMBER = re.compile(r"[0-9]{1,18}")


class Words:
    """A cursor over command text, word by word; the raw text stays at hand for patterns and windows."""

    def __init__(self, text: str, position: int = 0) -> None:
        self.text = text
        self.position = position

    def peek(self) -> str | None:
        found = _WORD.search(self.text, self.position)
        return found.group() if found else None

    def next(self) -> str | None:
        found = _WORD.search(self.text, self.position)
        if found is None:
            return None
        self.position = found.end()
        return found.group()

    def rest(self) -> str:
        """Everything not read yet, as written (whitespace inside kept)."""
        rest = self.text[self.position :].strip()
        self.position = len(self.text)
        return rest

    def all(self) -> list[str]:
        """The words not read yet."""
        return _WORD.findall(self.rest())

    def quoted(self) -> str | None:
        """Text between straight or curly double quotes, if the next word opens with one; else None."""
        unread = self.text[self.position :]
        start = len(self.text) - len(unread.lstrip())
        if start == len(self.text) or self.text[start] not in OPEN_QUOTES:
            return None
        close = _CLOSE_QUOTE.search(self.text, start + 1)
        if close is None:
            raise CommandError(f'"{quote(self.text[start + 1 :].strip())}" has no closing quote')
        self.position = close.end()
        return self.text[start + 1 : close.start()]

    def end(self, after: str) -> None:
        """Raise unless every word has been read."""
        if self.peek() is not None:
            raise CommandError(f'unexpected "{quote(self.rest())}" after {after}')


def unknown(what: str, word: str, choices: Iterable[str]) -> str:
    """`unknown option "lable" — did you mean "label"?`, or the choices when nothing is close."""
    options = list(choices)
    close = difflib.get_close_matches(word.lower(), options, n=1)
    hint = f' — did you mean "{close[0]}"?' if close else f"; expected one of: {', '.join(options)}"
    return f'unknown {what} "{quote(word)}"{hint}'


def channel(word: str | None) -> ChannelRef:
    """A channel as Slack escapes it (`<#C…|name>`) or as typed (`#name`)."""
    if word is None:
        raise CommandError("a channel is missing, such as #alerts-prod")
    found = channel_ref(word)
    if found is None:
        raise CommandError(f'"{quote(plain_text(word))}" is not a channel: write #name or pick it from the list')
    return found


def person_or_group(word: str, where: str) -> MentionRef:
    """Someone to page: a person or a user group (a broadcast such as @here pages nobody)."""
    found = mention_ref(word)
    if found is None:
        raise CommandError(f'{where}: "{quote(plain_text(word))}" is not a person or user group; write @name')
    if found.kind is MentionKind.BROADCAST:
        raise CommandError(f"{where}: {found.readable()} cannot be paged; a level pages people and user groups")
    return found


def duration(word: str | None, what: str) -> int:
    """Seconds in a duration such as `90s`, `5m`, `2h`, `1d` (klaxon.commands.durations)."""
    if word is None:
        raise CommandError(f"{what} needs a duration, such as 5m")
    try:
        return parse_duration(word)
    except DurationError as exc:
        raise CommandError(f"{what}: {exc}") from None


def whole_number(word: str | None, what: str, low: int, high: int) -> int:
    if word is None or not _NUMBER.fullmatch(word) or not low <= int(word) <= high:
        shown = "nothing" if word is None else f'"{quote(plain_text(word))}"'
        raise CommandError(f"{what} takes a whole number from {low} to {high}, not {shown}")
    return int(word)


def is_number(word: str) -> bool:
    return bool(_NUMBER.fullmatch(word))


def choice[E: StrEnum](word: str | None, choices: type[E], what: str) -> E:
    """One of an enumeration's values, in any case."""
    values = [value.value for value in choices]
    if word is None or word.lower() not in values:
        raise CommandError(unknown(what, word or "", values))
    return choices(word.lower())


def quoted_text(words: Words, what: str, stop: Collection[str] = ()) -> str:
    """Text in straight or curly double quotes; a single word may go without them (unless it is a `stop`
    word: the next option)."""
    text = words.quoted()
    if text is None:
        word = words.peek()
        if word is None or word.lower() in stop:
            raise CommandError(f'{what} needs text in double quotes, such as {what} "[Error] disk"')
        text = words.next() or ""
    return plain_text(text).strip()


def listed[T](words: Words, what: str, recognise: Callable[[str], T | None], expected: str,
              stop: Collection[str] = ()) -> tuple[T, ...]:
    """Every word up to the end or a `stop` word, each recognised; at least one."""
    found: list[T] = []
    while (word := words.peek()) is not None and word.lower() not in stop:
        words.next()
        item = recognise(word)
        if item is None:
            raise CommandError(f'{what}: "{quote(plain_text(word))}" is not {expected}')
        found.append(item)
    if not found:
        raise CommandError(f"{what} needs {expected}")
    return tuple(found)


def policy_name(word: str | None) -> str:
    """An escalation policy's name: lower case letters, digits, - and _ (read in any case)."""
    if word is None:
        raise CommandError("a policy name is missing, such as db-oncall")
    name = word.lower()
    if not POLICY_NAME.fullmatch(name):
        raise CommandError(
            f'"{quote(plain_text(word))}" is not a policy name: 1 to 40 letters, digits, - or _, '
            "starting with a letter or digit"
        )
    return name


def first_word(text: str) -> str:
    return text.split(maxsplit=1)[0].lower()
