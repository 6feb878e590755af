"""Matching a message against the ordered rules: the first rule that takes the message wins.

A rule takes a message when its pattern matches the text, the message's channel and poster are in its
scopes (empty scopes admit all) and its time window, if any, is open at the message's time.

Why it stays fast at thousands of rules: the rules are cut into shards of consecutive rules, each behind
one FilteredRE2 prefilter (google-re2's `re2.Filter`). A shard scans the text once, in C++, for the
literal atoms its patterns require (a case-insensitive RE2 Set: an Aho-Corasick-like automaton) and names
the few patterns that could match; only those run, in rule order. Shards are searched in order, so the
first match still wins.

Why each distinct pattern once: teams write families of rules that share a pattern and differ in scope or
target (`/checkout.*(error|fatal)/i` from each team's channel to its own incidents channel). A shard holds
each distinct pattern (with its case flag) once, knows which of its rules use it, and a message runs a
candidate pattern at most once however many rules share it. With shared words, the prefilter's candidates
were mostly such copies (bench/RESULTS.md: 4,286 distinct patterns among 10,000 realistic rules).

Why not one RE2 Set of every pattern as the first pass: a Set's DFA tracks every pattern at once, and
thousands of `.*` patterns make its states blow up; measured at 10,000 realistic rules it was no faster than
the loop it replaced, and it reports running out of memory as "no match" through google-re2's binding.

Why shards and not one filter: one FilteredRE2's atom set stops compiling past several thousand rules
(RE2's memory budget for a Set; as few as ~70 rules of 1,000-character literals). A shard that fails to
compile is split in half until it compiles; at that limit, matching was still exact in every trial.
Why 2,000 rules a shard: every shard scans the text once, so fewer shards serve long messages faster
(at 10,000 rules, 2,000 a shard nearly triples the throughput of 500 a shard). Every step is RE2, so matching
stays linear in the text.

Huge input: matching sees only the first MAX_MATCHED_CHARS characters of the text. Slack caps a message's
own text at 40,000 characters, so the cap holds that and a good part of its attachments; a `$`-anchored
pattern cannot see the end of a longer text.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from klaxon.rules.errors import RuleError
from klaxon.rules.model import Action, Rule
from klaxon.rules.patterns import CompiledPattern, re2_options

MAX_MATCHED_CHARS = 65_536
SHARD_SIZE = 2_000


class Exclusion(StrEnum):
    """Why a rule whose pattern matched did not take the message."""

    CHANNEL = "channel"  # posted in a channel outside the rule's channels
    POSTER = "poster"  # posted by someone outside the rule's posters
    WINDOW = "window"  # the rule's time window is closed at the message's time


@dataclass(frozen=True)
class Consideration:
    """A rule whose pattern matched the text, and what kept it from taking the message (None: nothing)."""

    rule: Rule
    exclusion: Exclusion | None


@dataclass(frozen=True)
class Explanation:
    """What `/klaxon rule test` reports.

    `considered` lists, in rule order, every rule whose pattern matched, up to and including the one
    that takes the message. `truncated` says the text was longer than MAX_MATCHED_CHARS.
    """

    considered: tuple[Consideration, ...]
    truncated: bool

    @property
    def winner(self) -> Rule | None:
        """The rule that takes the message, as `RuleBook.first_match` returns it."""
        last = self.considered[-1] if self.considered else None
        return last.rule if last and last.exclusion is None else None

    @property
    def passed_over(self) -> tuple[Consideration, ...]:
        """Rules whose pattern matched but whose scopes or window kept them out."""
        return tuple(item for item in self.considered if item.exclusion is not None)

    def summary(self) -> str:
        """Plain words, one line per rule considered, in Slack mrkdwn (`<#C…>` links channels)."""
        lines = [_describe(item) for item in self.considered]
        if not self.considered:
            lines.append("No rule matches this text, so the channel's default applies.")
        elif self.winner is None:
            lines.append("So no rule takes it, and the channel's default applies.")
        if self.truncated:
            lines.append(f"Only the first {MAX_MATCHED_CHARS:,} characters were checked.")
        return "\n".join(lines)


Poster = str | Collection[str]


class RuleBook:
    """The enabled rules in order, compiled once for matching; safe to cache and reuse across messages."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        every_rule = tuple(rules)
        _check_unique_ids(every_rule)
        self.rules = tuple(rule for rule in every_rule if rule.enabled)
        self._shards = [
            shard
            for start in range(0, len(self.rules), SHARD_SIZE)
            for shard in _compile_shards(self.rules[start : start + SHARD_SIZE])
        ]

    def __len__(self) -> int:
        return len(self.rules)

    def first_match(self, text: str, channel: str, poster: Poster, at: datetime,
                    ims_text: str | None = None) -> Rule | None:
        """The first rule, in order, that takes this message; None when no rule does.

        `poster` is the poster's id, or all its ids (an app bot posts as a user and a bot at once).
        `ims_text` is what IMS would have matched (klaxon.rules.ims_import.ims_message_text): rules
        imported from IMS (`ims_matching`) match it as well as `text`.
        """
        subject = self._subject(text, ims_text)
        for rule, regex in self._candidates(subject):
            # Scopes first: a set lookup is cheaper than running the regex.
            if _scope_exclusion(rule, channel, poster) is None and subject.found(rule, regex) \
                    and _window_open(rule, at):
                return rule
        return None

    def explain(self, text: str, channel: str, poster: Poster, at: datetime,
                ims_text: str | None = None) -> Explanation:
        """Which rules match this text by pattern, and which of them takes the message."""
        subject = self._subject(text, ims_text)
        considered: list[Consideration] = []
        for rule, regex in self._candidates(subject):
            if not subject.found(rule, regex):
                continue
            exclusion = _scope_exclusion(rule, channel, poster)
            if exclusion is None and not _window_open(rule, at):
                exclusion = Exclusion.WINDOW
            considered.append(Consideration(rule, exclusion))
            if exclusion is None:
                break
        return Explanation(tuple(considered), truncated=len(text) > MAX_MATCHED_CHARS)

    def _subject(self, text: str, ims_text: str | None) -> _Subject:
        # IMS's view is only looked at when some rule asks for it: one more prefilter scan per shard.
        wants_ims = ims_text is not None and any(rule.ims_matching for rule in self.rules)
        return _Subject(_matched_text(text), _matched_text(ims_text) if wants_ims and ims_text else None)

    def _candidates(self, subject: _Subject) -> Iterator[tuple[Rule, CompiledPattern]]:
        for shard in self._shards:
            yield from shard.candidates(subject)


@dataclass(frozen=True)
class _Subject:
    """What a message's rules are matched against: the gathered text, and IMS's view for IMS rules.

    Remembers each pattern's verdict, so rules that share a pattern run it once per message.
    """

    data: bytes
    ims_data: bytes | None = None
    _verdicts: dict[tuple[int, bool], bool] = field(default_factory=dict)

    def found(self, rule: Rule, regex: CompiledPattern) -> bool:
        key = (id(regex), rule.ims_matching)  # the shard keeps every regex alive while the message is judged
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._search(rule, regex)
        return verdict

    def _search(self, rule: Rule, regex: CompiledPattern) -> bool:
        if regex.search(self.data):
            return True
        return rule.ims_matching and self.ims_data is not None and regex.search(self.ims_data) is not None


class _Shard:
    """Consecutive rules behind one FilteredRE2 prefilter that holds each distinct pattern once."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = rules
        self._filter = re2.Filter()
        distinct: dict[tuple[str, bool], int] = {}
        self._users: list[list[int]] = []  # per distinct pattern, the positions of the rules using it, in order
        for position, rule in enumerate(rules):
            key = (rule.pattern, rule.ignore_case)
            if key not in distinct:
                distinct[key] = self._filter.Add(rule.pattern, re2_options(rule.ignore_case))
                self._users.append([])
            self._users[distinct[key]].append(position)
        self._filter.Compile()
        # The filter's own compiled patterns: no second copy of each RE2 program in memory.
        self._patterns: list[CompiledPattern] = [self._filter.re(index) for index in range(len(self._users))]
        self._pattern_of = [0] * len(rules)
        for index, positions in enumerate(self._users):
            for position in positions:
                self._pattern_of[position] = index

    def candidates(self, subject: _Subject) -> Iterator[tuple[Rule, CompiledPattern]]:
        """Rules whose pattern could match the subject, in rule order."""
        indices = self._filter.Match(subject.data, potential=True) or []
        if subject.ims_data is not None:
            indices = sorted({*indices, *(self._filter.Match(subject.ims_data, potential=True) or ())})
        # Each candidate pattern's users are in order; merging them walks the shard's rules in order, lazily.
        for position in heapq.merge(*(self._users[index] for index in indices)):
            yield self.rules[position], self._patterns[self._pattern_of[position]]


def _compile_shards(rules: Sequence[Rule]) -> list[_Shard]:
    """One shard, or its halves when RE2 cannot compile its atom set (many long literals)."""
    try:
        return [_Shard(rules)]
    except re2.error:
        if len(rules) == 1:
            raise
        half = len(rules) // 2
        return _compile_shards(rules[:half]) + _compile_shards(rules[half:])


def _matched_text(text: str) -> bytes:
    # errors="replace": a lone surrogate from a malformed payload must not stop matching.
    return text[:MAX_MATCHED_CHARS].encode("utf-8", errors="replace")


def _scope_exclusion(rule: Rule, channel: str, poster: Poster) -> Exclusion | None:
    if rule.channels and channel not in rule.channels:
        return Exclusion.CHANNEL
    if rule.posters and rule.posters.isdisjoint((poster,) if isinstance(poster, str) else poster):
        return Exclusion.POSTER
    return None


def _window_open(rule: Rule, at: datetime) -> bool:
    return rule.window is None or rule.window.contains(at)


def _check_unique_ids(rules: Sequence[Rule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"two rules share the id {rule.id}")
        seen.add(rule.id)


def _describe(item: Consideration) -> str:
    rule = item.rule
    head = f"rule {rule.id}{' ' + rule.label if rule.label else ''} matches → would {_outcome(rule)}"
    match item.exclusion:
        case Exclusion.CHANNEL:
            return f"{head}, but it only watches {', '.join(f'<#{c}>' for c in sorted(rule.channels))}"
        case Exclusion.POSTER:
            return f"{head}, but only for messages from {', '.join(f'<@{p}>' for p in sorted(rule.posters))}"
        case Exclusion.WINDOW:
            window = rule.window.describe() if rule.window else ""
            return f"{head}; its window ({window}) is closed at the message's time"
        case None:
            return head + "."


def _outcome(rule: Rule) -> str:
    if rule.action is Action.SUPPRESS:
        return "suppress it (mark it handled, no repost)"
    return f"alert to <#{rule.target_channel}>"
