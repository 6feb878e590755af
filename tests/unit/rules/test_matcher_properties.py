"""The rule book against the naive loop: for any rules and any message, the same rule wins.

The naive loop is what the rule book replaces: every enabled rule in order, scopes, its own RE2 pattern
searched over the text (and IMS's view for IMS rules), its window. The rule book prefilters, shards,
shares a pattern between the rules that have it and remembers its verdict per message; none of that
may change which rule wins, nor what `rule test` explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaxon.rules import MAX_MATCHED_CHARS, Rule, RuleBook, RuleError, TimeWindow, parse_pattern
from klaxon.rules.patterns import compile_re2

CHANNELS = ("C0ALERTS", "C0DB")
POSTERS = ("B0GRAFANA", "U0ALICE")
WEEKDAY_NOON = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)  # a Friday
SUNDAY_NOON = datetime(2024, 5, 5, 12, 0, tzinfo=UTC)
OFFICE_HOURS = TimeWindow.parse("mon-fri 09:00-18:00 UTC")

# Words the rules and the messages share: hosts whose names contain each other, words in two cases.
WORDS = ("disk", "DISK", "db-1", "db-12", "error", "Error", "full", "down", "api", "5xx", "é", "/", "[x]")
# RE2 pieces a rule is written with, including what RE2 has and Python's `re` lacks (\pL, POSIX classes,
# \Q…\E) and pieces no prefilter can index (no literal at all, or an empty match).
PIECES = (r"\d+", r".*", r"\b", r"\s", r"(full|down)", r"(?i:error)", r"[a-z]{2}", r"\pL+", r"[[:digit:]]",
          r"\Q.*\E", r"x*", r"^", r"$", r"(?s).", r"(?m)^db", r"db-1\b", r"\[x\]", r"\/")
# What Python's `re` has and RE2 lacks: refused when a rule is written, never matched differently.
PYTHON_ONLY = (r"disk(?=full)", r"(?<!db-)1", r"(disk) \1", r"(?>disk)", r"disk*+", r"(?P=name)")


def written_pattern() -> st.SearchStrategy[str]:
    """A pattern as an admin types it: bare, or between slashes with or without the `i` flag."""
    # Mostly words, so that several patterns match one message and the order between them is tested.
    piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS), st.sampled_from(PIECES))
    body = st.lists(piece, min_size=1, max_size=3).map("".join)
    return st.one_of(body.filter(lambda text: text.strip() == text and not text.startswith("/")),
                     body.map(lambda text: "/" + text.replace("/", r"\/") + "/"),
                     body.map(lambda text: "/" + text.replace("/", r"\/") + "/i"))


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    # Drawn from a small pool, so families of rules share one pattern with different scopes.
    pool = draw(st.lists(written_pattern(), min_size=1, max_size=8))
    rules = []
    for n in range(draw(st.integers(1, 24))):
        parsed = parse_pattern(draw(st.sampled_from(pool)))
        rules.append(Rule(
            id=f"r-{n}", name=f"rule {n}", pattern=parsed.source, ignore_case=parsed.ignore_case,
            target_channel="C0INCIDENT",
            channels=frozenset(draw(st.sets(st.sampled_from(CHANNELS), max_size=1))),
            posters=frozenset(draw(st.sets(st.sampled_from(POSTERS), max_size=1))),
            window=draw(st.sampled_from((None, None, OFFICE_HOURS))),
            enabled=draw(st.booleans()) or draw(st.booleans()),
            ims_matching=draw(st.booleans()) and draw(st.booleans())))
    return rules


@dataclass(frozen=True)
class Message:
    text: str
    channel: str
    poster: str
    at: datetime
    ims_text: str | None


texts = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from((" ", "\n", "7", "42%", "db-123", "ab"))),
                 max_size=12).map("".join)
messages = st.builds(Message, texts, st.sampled_from(CHANNELS), st.sampled_from(POSTERS),
                     st.sampled_from((WEEKDAY_NOON, SUNDAY_NOON)), st.one_of(st.none(), texts))


def naive_first_match(rules: list[Rule], message: Message) -> Rule | None:
    """Every enabled rule in order, each pattern compiled on its own: the loop the rule book replaces."""
    text = message.text[:MAX_MATCHED_CHARS]
    for rule in rules:
        if not rule.enabled or (rule.channels and message.channel not in rule.channels):
            continue
        if rule.posters and message.poster not in rule.posters:
            continue
        regex = compile_re2(rule.pattern, ignore_case=rule.ignore_case)
        found = regex.search(text) or (rule.ims_matching and message.ims_text is not None
                                       and regex.search(message.ims_text[:MAX_MATCHED_CHARS]))
        if found and (rule.window is None or rule.window.contains(message.at)):
            return rule
    return None


@pytest.mark.parametrize("shard_size", [2_000, 3])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_sets(), batch=st.lists(messages, min_size=1, max_size=6))
def test_the_rule_book_picks_what_the_naive_loop_picks(shard_size: int, rules: list[Rule],
                                                       batch: list[Message]) -> None:
    with patch("klaxon.rules.matcher.SHARD_SIZE", shard_size):  # 3: shards' order across many shards
        book = RuleBook(rules)
    for message in batch:
        expected = naive_first_match(rules, message)
        found = book.first_match(message.text, message.channel, message.poster, message.at, message.ims_text)
        explained = book.explain(message.text, message.channel, message.poster, message.at, message.ims_text)

        assert found == expected, (message, [(r.id, r.pattern, r.ignore_case) for r in rules])
        assert explained.winner == expected


@given(st.sampled_from(PYTHON_ONLY), st.sampled_from(("", "/", "/i")))
def test_what_only_pythons_re_can_do_is_refused_when_the_rule_is_written(pattern: str, notation: str) -> None:
    written = f"/{pattern}{notation}" if notation else pattern
    with pytest.raises(RuleError, match="not valid RE2"):
        parse_pattern(written)
    with pytest.raises(RuleError, match="not valid RE2"):
        Rule(id="r-py", name="python", pattern=pattern, target_channel="C0INCIDENT")


def test_rules_sharing_a_pattern_are_told_apart_by_scope_in_order() -> None:
    # Given one pattern routed from each team's channel, and the same pattern for everyone after them
    shared = [Rule(id=f"r-{channel}", name=channel, pattern="(?i)checkout.*error", target_channel="C0INCIDENT",
                   channels=frozenset({channel})) for channel in CHANNELS]
    everyone = Rule(id="r-all", name="all", pattern="(?i)checkout.*error", target_channel="C0INCIDENT")
    book = RuleBook([*shared, everyone])
    # When each channel's monitoring says it, then that channel's own rule wins; elsewhere the catch-all
    for channel, winner in zip(CHANNELS, shared, strict=True):
        assert book.first_match("Checkout ERROR", channel, "B0GRAFANA", WEEKDAY_NOON) == winner
    assert book.first_match("Checkout ERROR", "C0ELSEWHERE", "B0GRAFANA", WEEKDAY_NOON) == everyone
    assert book.first_match("checkout ok", "C0ALERTS", "B0GRAFANA", WEEKDAY_NOON) is None


def test_a_later_copy_of_a_pattern_does_not_jump_ahead_of_a_rule_between_the_copies() -> None:
    # Given checkout errors scoped to #db, then disk errors for everyone, then checkout errors for everyone
    first_copy = Rule(id="r-1", name="db", pattern="checkout", target_channel="C0INCIDENT",
                      channels=frozenset({"C0DB"}))
    between = Rule(id="r-2", name="disk", pattern="disk", target_channel="C0INCIDENT")
    second_copy = Rule(id="r-3", name="all", pattern="checkout", target_channel="C0INCIDENT")
    book = RuleBook([first_copy, between, second_copy])
    # When a message outside #db says both, then the rule between the copies wins
    assert book.first_match("checkout disk full", "C0ALERTS", "B0GRAFANA", WEEKDAY_NOON) == between
    assert book.first_match("checkout disk full", "C0DB", "B0GRAFANA", WEEKDAY_NOON) == first_copy
