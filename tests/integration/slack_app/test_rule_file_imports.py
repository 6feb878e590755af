"""/klaxon import through signed Slack requests: a hostile paste gets one short line back and changes nothing."""

from __future__ import annotations

import pytest

from klaxon.rules.limits import MAX_RULE_FILE_BYTES, MAX_RULES
from klaxon.slack.renderers.commands import PROBLEM_LIMIT
from tests.unit.configuration.test_rule_files import ims_rules, laughs

WARNING = ":warning: "


@pytest.fixture
def channels(stack, alice):
    stack.workspace.add_channel("incidents")
    stack.workspace.add_channel("alerts-prod")
    return stack


def refusal(stack, admin: str, text: str) -> str:
    """The one line /klaxon answers: a refusal, with nothing written and nothing dead-lettered."""
    answer = stack.klaxon(admin, "#alerts-prod", text)
    assert answer.startswith(WARNING) and len(answer) <= len(WARNING) + PROBLEM_LIMIT, answer[:1000]
    assert "\n" not in answer, "a refusal names its problem in one line"
    assert stack.items("CONFIG") == [] and stack.items("AUDIT") == []
    assert stack.dead_letters() == []
    return answer


def test_the_issues_yaml_of_eight_alias_levels_is_refused_at_the_first_alias(channels, alice):
    answer = refusal(channels, alice, f"import yaml {laughs()}")
    assert answer == f"{WARNING}not valid YAML at line 4, column 12: an alias (*a0) is not accepted; " \
                     "write the value out in full"


@pytest.mark.parametrize("text, problem", [
    ("import yaml klaxon: 1\nrules: " + "[" * 100_000, "nested more than 16 deep"),
    ("import yaml klaxon: 1\n#" + "x" * MAX_RULE_FILE_BYTES, f"an import takes at most {MAX_RULE_FILE_BYTES:,}"),
    ("import ims [Rules]\n#" + "x" * MAX_RULE_FILE_BYTES, f"an import takes at most {MAX_RULE_FILE_BYTES:,}"),
    (f"import ims {ims_rules(MAX_RULES + 1)}", "the file has 10,001 rules; Klaxon keeps at most 10,000"),
    ("import yaml klaxon: 1\nrules: [{id: r-1, pattern: x, to: C0123ABCD, name: 2026-13-01}]",
     "a value cannot be read (month must be in 1..12)"),
])
def test_siblings_too_big_too_deep_too_many_or_unreadable_are_refused(channels, alice, text, problem):
    assert problem in refusal(channels, alice, text)


@pytest.mark.parametrize("text, quoted", [
    # a value Python's own error quotes whole, over many lines
    ("import yaml klaxon: 1\nchannels: {C0123ABCD: \"" + "loud\\n" * 20_000 + "\"}", "'loud\\nloud\\nloud"),
    # IMS.ini names a channel by a 100,000-character name
    ("import ims [Incidents]\nOPS\t#" + "x" * 100_000 + "\t10", '"' + "x" * 100),
    # a pattern RE2 rejects, and quotes whole in its reason
    ("import ims [Incidents]\nOPS\tC0123ABCD\t10\n[Rules]\n(" + "a" * 999 + "\t.*\tOPS", "is not valid RE2"),
])
def test_an_error_never_quotes_more_than_a_line_of_the_input(channels, alice, text, quoted):
    answer = refusal(channels, alice, text)
    assert quoted in answer and answer.endswith("…")
