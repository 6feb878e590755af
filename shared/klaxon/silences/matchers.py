"""Alertmanager's label matchers, over the facts of any alert.

Syntax as in Alertmanager (https://prometheus.io/docs/alerting/latest/configuration/#matcher):
`name=value`, `name!=value`, `name=~regex`, `name!~regex`, matchers separated by commas, values bare or
in double quotes (with `\\"` and `\\\\` escapes). A name that an alert does not have matches as the empty
value, as in Alertmanager (`team=""` matches alerts without a team).

Regexes are RE2 (linear time) and, as in Alertmanager, must match the whole value - except for `text`,
an alert's free text, where a regex is searched anywhere (`text=~"disk full"` finds it in a sentence).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from klaxon.rules.errors import RuleError
from klaxon.rules.patterns import compile_re2

MAX_MATCHERS = 20
MAX_VALUE_CHARS = 500
SEARCHED = "text"  # the one fact a regex is searched in rather than matched whole
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
_OPERATOR = re.compile(r"\s*(=~|!~|!=|=)\s*")


class SilenceError(ValueError):
    """A matcher or silence that cannot be used as written; the message names the problem."""


class Operator(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    MATCHES = "=~"
    NOT_MATCHES = "!~"


@dataclass(frozen=True)
class Matcher:
    """One condition on a fact of an alert (`host`, `source`, `severity`, `text`, or any label)."""

    name: str
    operator: Operator
    value: str
    _compiled: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise SilenceError(f"`{self.name[:40]}` is not a matcher name (letters, digits, _ . -)")
        if len(self.value) > MAX_VALUE_CHARS:
            raise SilenceError(f"the value of `{self.name}` is longer than {MAX_VALUE_CHARS} characters")
        if self.operator in (Operator.MATCHES, Operator.NOT_MATCHES):
            source = self.value if self.name == SEARCHED else f"^(?:{self.value})$"
            try:
                compiled = compile_re2(source, ignore_case=False)
            except RuleError as error:
                raise SilenceError(f"the regex of `{self.name}` does not compile: {error}") from None
            object.__setattr__(self, "_compiled", compiled)

    def matches(self, facts: Mapping[str, str]) -> bool:
        """Whether an alert with these facts meets this condition (a missing fact is the empty value)."""
        value = facts.get(self.name, "")
        if self.operator is Operator.EQUAL:
            return value == self.value
        if self.operator is Operator.NOT_EQUAL:
            return value != self.value
        found = self._compiled.search(value) is not None
        return found if self.operator is Operator.MATCHES else not found

    def __str__(self) -> str:
        quoted = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.operator}"{quoted}"'


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """The matchers in `host=db-7, severity!=info`; SilenceError naming the first problem."""
    matchers: list[Matcher] = []
    position, text = 0, text.strip()
    while position < len(text):
        matcher, position = _matcher(text, position)
        matchers.append(matcher)
        position = _after_separator(text, position)
    if not matchers:
        raise SilenceError('a silence needs at least one matcher, such as `host=db-7` or `alertname=~"Disk.*"`')
    if len(matchers) > MAX_MATCHERS:
        raise SilenceError(f"a silence takes at most {MAX_MATCHERS} matchers, not {len(matchers)}")
    return tuple(matchers)


def all_match(matchers: tuple[Matcher, ...], facts: Mapping[str, str]) -> bool:
    """Whether every matcher holds for these facts (a silence covers an alert only then)."""
    return all(matcher.matches(facts) for matcher in matchers)


def _matcher(text: str, position: int) -> tuple[Matcher, int]:
    name = _NAME.match(text, position)
    if name is None:
        raise SilenceError(f"expected a matcher name at `{_at(text, position)}`")
    operator = _OPERATOR.match(text, name.end())
    if operator is None:
        raise SilenceError(f"expected =, !=, =~ or !~ after `{name[0]}`")
    value, position = _value(text, operator.end())
    return Matcher(name[0], Operator(operator[1]), value), position


def _value(text: str, position: int) -> tuple[str, int]:
    if position < len(text) and text[position] in "\"“”":
        return _quoted(text, position)
    end = text.find(",", position)
    end = len(text) if end < 0 else end
    return text[position:end].strip(), end


def _quoted(text: str, position: int) -> tuple[str, int]:
    value: list[str] = []
    position += 1
    while position < len(text):
        char = text[position]
        if char == "\\" and position + 1 < len(text):
            value.append(text[position + 1])
            position += 2
        elif char in "\"“”":
            return "".join(value), position + 1
        else:
            value.append(char)
            position += 1
    raise SilenceError("a quoted value is missing its closing quote")


def _after_separator(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    if position < len(text):
        if text[position] != ",":
            raise SilenceError(f"expected a comma between matchers at `{_at(text, position)}`")
        position += 1
        if not text[position:].strip():
            raise SilenceError("a matcher is missing after the last comma")
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _at(text: str, position: int) -> str:
    return text[position:position + 30].replace("`", "'")
