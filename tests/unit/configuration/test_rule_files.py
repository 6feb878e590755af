"""Importing a rule file is bounded: a pasted IMS.ini or YAML export cannot grow, nest or run past its caps.

The issue's input: 463 bytes of YAML whose eight levels of aliases expand to 722 MB (each level ten
references to the last), and reached 1.4 GB in the error message. Aliases are refused; size, rule
count and nesting are capped; and no error quotes more than one line of what was pasted.
"""

from __future__ import annotations

import re

import pytest

from klaxon.configuration.as_code import MAX_NESTING, RulesAsCodeError, import_yaml
from klaxon.rules import RuleError, import_ims
from klaxon.rules.limits import MAX_RULE_FILE_BYTES, MAX_RULES


def laughs(levels: int = 8) -> str:
    """A Klaxon export whose channel default is `levels` levels of ten aliases of the level below (10**levels lols).

    Expanded, Python's error for that default quoted it whole, twice: 1.4 GB for eight levels.
    """
    lines = ["klaxon: 1", "paging:", "  a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    lines += [f"  a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels)]
    return "\n".join([*lines, f"channels: {{C0123ABCD: *a{levels - 1}}}"])


def ims_rules(count: int) -> str:
    return "\n".join(["[Incidents]", "OPS\tC0123ABCD\t[E]\t10", "[Rules]", *(f"e{n}\t.*\tOPS" for n in range(count))])


def test_the_issues_import_of_eight_alias_levels_is_refused_at_its_first_alias():
    text = laughs()
    assert len(text.encode()) < 500  # and 10**8 lols, 722 MB, once expanded

    with pytest.raises(RulesAsCodeError) as refused:
        import_yaml(text)

    assert str(refused.value) == ("not valid YAML at line 4, column 12: an alias (*a0) is not accepted; "
                                  "write the value out in full")


@pytest.mark.parametrize("text, where", [
    ("klaxon: 1\nrules: [{id: r-1, pattern: x, to: C0123ABCD, label: &l '[E]'}, "
     "{id: r-2, pattern: y, to: C0123ABCD, label: *l}]", "line 2, column 108"),
    ("klaxon: 1\ndefaults: &d {pattern: x, to: C0123ABCD}\nrules: [{<<: *d, id: r-1}]", "line 3, column 14"),
    ("klaxon: &k 1\nrules: *k", "line 2, column 8"),
])
def test_every_alias_is_refused_even_a_harmless_one_and_a_merge_key(text, where):
    with pytest.raises(RulesAsCodeError, match=f"{where}: an alias"):
        import_yaml(text)


def test_an_anchor_nobody_refers_to_is_harmless():
    assert import_yaml("klaxon: 1\nrules: &all []").rules == ()


@pytest.mark.parametrize("text", [
    "klaxon: 1\nrules: " + "[" * 100_000,
    "klaxon: 1\nrules:\n" + "".join(" " * n + "- \n" for n in range(MAX_NESTING + 2)),
])
def test_nesting_deeper_than_any_export_is_refused_before_the_parser_recurses(text):
    with pytest.raises(RulesAsCodeError, match=f"nested more than {MAX_NESTING} deep"):
        import_yaml(text)


def test_an_export_nests_well_within_the_cap():
    text = ("klaxon: 1\npolicies: [{name: ops, repeat: 0, levels: [{handlers: [U0123ABCD], wait_seconds: 60}]}]\n"
            "paging: {default: ops}")
    assert list(import_yaml(text).policies) == ["ops"]


YAML, IMS = (import_yaml, RulesAsCodeError), (import_ims, RuleError)  # each format's reader and its error


@pytest.mark.parametrize("reader, text", [
    (YAML, "klaxon: 1\n#" + "x" * MAX_RULE_FILE_BYTES),
    (IMS, "[Rules]\n#" + "x" * MAX_RULE_FILE_BYTES),
    (YAML, "klaxon: 1\n#" + "é" * (MAX_RULE_FILE_BYTES // 2)),  # bytes, not characters
])
def test_a_file_over_the_byte_cap_is_refused_before_it_is_parsed(reader, text):
    read, error = reader
    with pytest.raises(error, match=f"bytes; an import takes at most {MAX_RULE_FILE_BYTES:,}"):
        read(text)


@pytest.mark.parametrize("reader, text", [
    (YAML, "klaxon: 1\nrules: [" + "{}," * (MAX_RULES + 1) + "]"),
    (IMS, ims_rules(MAX_RULES + 1)),
])
def test_a_file_of_more_rules_than_klaxon_keeps_is_refused_before_any_rule_is_built(reader, text):
    read, error = reader
    with pytest.raises(error, match=f"the file has 10,001 rules; Klaxon keeps at most {MAX_RULES:,}"):
        read(text)


def test_a_file_at_the_rule_cap_is_imported():
    assert len(import_ims(ims_rules(MAX_RULES)).rules) == MAX_RULES


@pytest.mark.parametrize("value, problem", [
    ("2026-13-01", "a value cannot be read (month must be in 1..12)"),
    ("9" * 5_000, "a value cannot be read (Exceeds the limit (4300 digits)"),
])
def test_a_scalar_python_cannot_build_is_refused_not_raised(value, problem):
    with pytest.raises(RulesAsCodeError, match=re.escape(problem)):
        import_yaml(f"klaxon: 1\nrules: [{{id: r-1, pattern: x, to: C0123ABCD, name: {value}}}]")


def test_yaml_errors_name_the_place_instead_of_quoting_the_input():
    with pytest.raises(RulesAsCodeError) as refused:
        import_yaml("klaxon: 1\nrules: [\n" + "  {pattern: x,\n" * 3 + "  }}}")
    assert "\n" not in str(refused.value) and str(refused.value).startswith("not valid YAML at line 6")
