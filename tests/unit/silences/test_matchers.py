"""Silence matchers: Alertmanager's four operators, its quoting, its anchoring, and clear refusals."""

from __future__ import annotations

import pytest

from klaxon.silences.matchers import MAX_MATCHERS, Matcher, Operator, SilenceError, all_match, parse_matchers

DB7 = {"host": "db-7", "source": "gcp", "severity": "critical", "alertname": "DiskFull",
       "text": "Disk full on db-7: 98% used"}


@pytest.mark.parametrize(("written", "matches"), [
    ("host=db-7", True), ("host=db-8", False),
    ("host!=db-8", True), ("host!=db-7", False),
    ('alertname=~"Disk.*"', True), ('alertname=~"Disk"', False),  # anchored, as in Alertmanager
    ('alertname!~"Disk.*"', False), ('alertname!~"CPU.*"', True),
    ('text=~"disk full"', False), ('text=~"(?i)disk full"', True),  # text is searched, case as written
    ('text!~"CPU"', True),
    ("severity!=info", True), ("source=gcp", True),
    ('team=""', True), ("team=payments", False), ("team!=payments", True),  # a missing fact is empty
])
def test_each_operator_over_an_alert_s_facts(written: str, matches: bool) -> None:
    assert all_match(parse_matchers(written), DB7) is matches


def test_matchers_are_separated_by_commas_and_all_must_hold() -> None:
    matchers = parse_matchers('host=db-7, severity!=info ,alertname=~"Disk.*"')
    assert [(m.name, m.operator, m.value) for m in matchers] == [
        ("host", Operator.EQUAL, "db-7"), ("severity", Operator.NOT_EQUAL, "info"),
        ("alertname", Operator.MATCHES, "Disk.*")]
    assert all_match(matchers, DB7)
    assert not all_match(matchers, {**DB7, "severity": "info"})


@pytest.mark.parametrize(("written", "value"), [
    ('comment="a, b"', "a, b"), (r'q="say \"hi\""', 'say "hi"'), (r'p="C:\\temp"', "C:\\temp"),
    ("smart=“curly quotes”", "curly quotes"), ("spaced = value ", "value"), ('empty=""', ""),
])
def test_values_quoted_as_in_alertmanager_or_as_slack_autocorrects_them(written: str, value: str) -> None:
    [matcher] = parse_matchers(written)
    assert matcher.value == value


def test_a_matcher_reads_back_as_it_can_be_typed() -> None:
    matcher = Matcher("text", Operator.MATCHES, 'say "hi"')
    assert str(matcher) == r'text=~"say \"hi\""'
    assert parse_matchers(str(matcher)) == (matcher,)


@pytest.mark.parametrize(("written", "problem"), [
    ("", "at least one matcher"),
    ("   ", "at least one matcher"),
    ("host", "expected =, !=, =~ or !~ after `host`"),
    ("=db-7", "expected a matcher name"),
    ("host==db-7, x=1", None),  # `==`: the value is "=db-7", which is allowed
    ("host=db-7 severity=info", None),  # a bare value runs to the comma
    ('host="db-7', "closing quote"),
    ('host="db-7" severity=info', "expected a comma"),
    ("host=db-7,", "missing after the last comma"),
    ('alertname=~"(unclosed"', "does not compile"),
    ('alertname=~"(?=a)b"', "does not compile"),  # look-arounds: not RE2
    ("9lives=yes", "expected a matcher name"),
    (", ".join(f"l{n}=x" for n in range(MAX_MATCHERS + 1)), f"at most {MAX_MATCHERS}"),
    ("host=" + "x" * 501, "longer than 500"),
])
def test_what_cannot_be_a_matcher_is_refused_naming_the_problem(written: str, problem: str | None) -> None:
    if problem is None:
        assert parse_matchers(written)
        return
    with pytest.raises(SilenceError, match=problem.replace("(", r"\(")):
        parse_matchers(written)


def test_a_catastrophic_regex_stays_linear() -> None:
    [matcher] = parse_matchers('text=~"(a+)+$"')
    assert not matcher.matches({"text": "a" * 100_000 + "!"})
