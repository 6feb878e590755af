"""Matching: given ordered rules and a monitoring message, which rule takes it (first match wins)."""

import random
import re
import time
from datetime import UTC, datetime

import pytest

from klaxon.rules import (
    MAX_MATCHED_CHARS,
    Action,
    Consideration,
    Exclusion,
    Rule,
    RuleBook,
    RuleError,
    TimeWindow,
)

MONITORING = "C0MONITOR"
OTHER_CHANNEL = "C0CHATTER"
GRAFANA = "B0GRAFANA"
FRIDAY_NOON_TOKYO = datetime(2024, 5, 3, 3, 0, tzinfo=UTC)
SATURDAY_NOON_TOKYO = datetime(2024, 5, 4, 3, 0, tzinfo=UTC)


def rule(rule_id: str, pattern: str, **details: object) -> Rule:
    fields: dict = {"id": rule_id, "name": rule_id, "pattern": pattern, "target_channel": "C0INCIDENT"}
    return Rule(**(fields | details))


def first(book: RuleBook, text: str, channel: str = MONITORING, poster: str = GRAFANA,
          at: datetime = FRIDAY_NOON_TOKYO) -> str | None:
    found = book.first_match(text, channel, poster, at)
    return found.id if found else None


def test_the_first_rule_in_order_wins_when_several_match() -> None:
    disk, error = rule("r-disk", "disk"), rule("r-error", "error")
    assert first(RuleBook([disk, error]), "error: disk full") == "r-disk"
    assert first(RuleBook([error, disk]), "error: disk full") == "r-error"


def test_a_message_no_rule_matches_gets_none() -> None:
    assert first(RuleBook([rule("r-disk", "disk full")]), "deploy finished") is None
    assert first(RuleBook([]), "disk full") is None


def test_a_disabled_rule_is_skipped() -> None:
    book = RuleBook([rule("r-off", "disk", enabled=False), rule("r-on", "full")])
    assert first(book, "disk full") == "r-on"
    assert [item.rule.id for item in book.explain("disk full", MONITORING, GRAFANA, FRIDAY_NOON_TOKYO).considered] == [
        "r-on"
    ]


def test_case_is_ignored_only_by_rules_that_ask_for_it() -> None:
    book = RuleBook([rule("r-exact", "DISK FULL"), rule("r-any-case", "disk full", ignore_case=True)])
    assert first(book, "DISK FULL on db-1") == "r-exact"
    assert first(book, "Disk Full on db-1") == "r-any-case"
    assert first(book, "disk ful") is None


def test_a_channel_scoped_rule_lets_messages_from_other_channels_fall_through() -> None:
    book = RuleBook([rule("r-monitoring", "disk", channels=frozenset({MONITORING})), rule("r-any", "disk")])
    assert first(book, "disk full", channel=MONITORING) == "r-monitoring"
    assert first(book, "disk full", channel=OTHER_CHANNEL) == "r-any"


def test_a_poster_scoped_rule_takes_only_its_posters_messages() -> None:
    book = RuleBook([rule("r-grafana", "disk", posters=frozenset({GRAFANA}))])
    assert first(book, "disk full", poster=GRAFANA) == "r-grafana"
    assert first(book, "disk full", poster="U0ALICE1") is None


def test_a_closed_window_lets_the_message_fall_through_to_the_next_rule() -> None:
    office_hours = TimeWindow.parse("mon-fri 09:00-18:00 Asia/Tokyo")
    book = RuleBook([rule("r-office", "disk", window=office_hours), rule("r-always", "disk")])
    assert first(book, "disk full", at=FRIDAY_NOON_TOKYO) == "r-office"
    assert first(book, "disk full", at=SATURDAY_NOON_TOKYO) == "r-always"


def test_explain_says_the_matching_rules_window_is_closed_so_nothing_would_happen() -> None:
    book = RuleBook([rule("r-1", "disk", label="[Error]", window=TimeWindow.parse("mon-fri 09:00-18:00 Asia/Tokyo"))])
    explanation = book.explain("disk full", MONITORING, GRAFANA, SATURDAY_NOON_TOKYO)
    assert explanation.winner is None
    assert explanation.considered == (Consideration(book.rules[0], Exclusion.WINDOW),)
    assert explanation.summary() == (
        "rule r-1 [Error] matches → would alert to <#C0INCIDENT>; "
        "its window (mon-fri 09:00-18:00 Asia/Tokyo) is closed at the message's time\n"
        "So no rule takes it, and the channel's default applies."
    )


def test_explain_lists_earlier_rules_kept_out_by_scope_and_the_rule_that_takes_it() -> None:
    book = RuleBook([
        rule("r-other-room", "disk", channels=frozenset({OTHER_CHANNEL})),
        rule("r-alice", "disk", posters=frozenset({"U0ALICE1"})),
        rule("r-cpu", "cpu"),
        rule("r-noise", "disk", action=Action.SUPPRESS),
        rule("r-late", "disk"),
    ])
    explanation = book.explain("disk full", MONITORING, GRAFANA, FRIDAY_NOON_TOKYO)
    assert [(item.rule.id, item.exclusion) for item in explanation.considered] == [
        ("r-other-room", Exclusion.CHANNEL),
        ("r-alice", Exclusion.POSTER),
        ("r-noise", None),
    ]
    assert explanation.winner == book.first_match("disk full", MONITORING, GRAFANA, FRIDAY_NOON_TOKYO)
    assert [item.rule.id for item in explanation.passed_over] == ["r-other-room", "r-alice"]
    assert explanation.summary().splitlines() == [
        "rule r-other-room matches → would alert to <#C0INCIDENT>, but it only watches <#C0CHATTER>",
        "rule r-alice matches → would alert to <#C0INCIDENT>, but only for messages from <@U0ALICE1>",
        "rule r-noise matches → would suppress it (mark it handled, no repost).",
    ]


def test_explain_says_when_no_rule_matches() -> None:
    explanation = RuleBook([rule("r-disk", "disk")]).explain("all good", MONITORING, GRAFANA, FRIDAY_NOON_TOKYO)
    assert explanation.considered == () and explanation.winner is None
    assert explanation.summary() == "No rule matches this text, so the channel's default applies."


def test_two_rules_with_one_id_cannot_share_a_book() -> None:
    with pytest.raises(RuleError, match="two rules share the id r-1"):
        RuleBook([rule("r-1", "disk"), rule("r-1", "cpu", enabled=False)])


def test_a_catastrophic_pattern_on_a_100_kb_message_finishes_in_milliseconds() -> None:
    book = RuleBook([rule("r-evil", "(a+)+$")])
    # The "!" sits at the last matched character, so the pattern must fail: exponential for a backtracker.
    message = "a" * (MAX_MATCHED_CHARS - 1) + "!" + "a" * (100_000 - MAX_MATCHED_CHARS)
    started = time.perf_counter()
    assert first(book, message) is None
    assert time.perf_counter() - started < 0.1


def test_only_the_first_64k_characters_of_a_huge_message_are_matched() -> None:
    book = RuleBook([rule("r-marker", "MARKER")])
    padding = "x" * MAX_MATCHED_CHARS
    assert first(book, "MARKER" + padding) == "r-marker"
    assert first(book, padding + "MARKER") is None
    assert book.explain(padding + "MARKER", MONITORING, GRAFANA, FRIDAY_NOON_TOKYO).truncated


def test_text_that_is_not_valid_unicode_does_not_stop_matching() -> None:
    assert first(RuleBook([rule("r-disk", "disk")]), "disk \ud800 full") == "r-disk"


def test_non_ascii_case_folding_matches_like_re2() -> None:
    book = RuleBook([rule("r-fr", "ÉCHEC", ignore_case=True), rule("r-el", "σφάλμα", ignore_case=True)])
    assert first(book, "échec du disque") == "r-fr"
    assert first(book, "ΣΦΆΛΜΑ δίσκου") == "r-el"


def test_thousands_of_rules_give_the_same_first_match_as_trying_every_rule_in_order() -> None:
    rnd = random.Random(7)
    services = ("api", "db", "cache", "queue", "auth")
    # 5,000 rules fill three prefilter shards; rule i and rule i + 2,500 watch the same host number,
    # so a later shard often matches too and the earlier rule must still win.
    rules = [
        rule(f"r-{index}", rf"{rnd.choice(services)}-{index % 2_500} (down|\d+% full)", ignore_case=index % 3 == 0)
        for index in range(5_000)
    ]
    book = RuleBook(rules)
    # The oracle is IMS's loop over Python `re` patterns: same meaning for these ASCII patterns, and quick.
    in_order = [(each.id, re.compile(each.pattern, re.IGNORECASE if each.ignore_case else 0)) for each in rules]
    for _ in range(120):
        service = rnd.choice(services)
        text = f"{service.upper() if rnd.random() < 0.3 else service}-{rnd.randrange(2_600)} " + rnd.choice(
            ["down", "93% full", "ok"]
        )
        expected = next((rule_id for rule_id, pattern in in_order if pattern.search(text)), None)
        assert first(book, text) == expected, text


def test_rules_with_long_literal_patterns_still_all_match() -> None:
    # ~70 such patterns exhaust one prefilter's memory, so the book must split them across prefilters.
    rnd = random.Random(11)
    literals = ["".join(rnd.choice("abcdefghij ") for _ in range(1_000)) for _ in range(200)]
    book = RuleBook([rule(f"r-{index}", literal) for index, literal in enumerate(literals)])
    for index in (0, 99, 150, 199):
        assert first(book, f"prefix {literals[index]} suffix") == f"r-{index}"
