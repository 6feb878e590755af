"""Patterns as users write them in `/klaxon rule add`: bare or between slashes, always strict RE2."""

import pytest

from klaxon.rules import MAX_PATTERN_LENGTH, ParsedPattern, RuleError, format_pattern, parse_pattern


@pytest.mark.parametrize(
    ("written", "source", "ignore_case"),
    [
        ("disk full", "disk full", False),
        ("  disk full  ", "disk full", False),
        (r"/disk (full|\d+%)/i", r"disk (full|\d+%)", True),
        ("/disk full/", "disk full", False),
        (r"/\/var\/log full/i", "/var/log full", True),
        ("/var/log full", "/var/log full", False),  # text after the second slash is not flags: a bare pattern
        ("/", "/", False),
        ("/ padded /", " padded ", False),
    ],
)
def test_a_pattern_is_read_bare_or_between_slashes(written: str, source: str, ignore_case: bool) -> None:
    assert parse_pattern(written) == ParsedPattern(source, ignore_case)


def test_an_invalid_pattern_is_named_with_re2s_reason() -> None:
    with pytest.raises(RuleError) as error:
        parse_pattern("(")
    assert str(error.value) == 'pattern "(" is not valid RE2: missing ): ('


@pytest.mark.parametrize("written", ["(?=disk)full", r"(disk)\1", "(?<!cpu)load"])
def test_compilation_is_strictly_re2_with_no_fallback_to_python_re(written: str) -> None:
    # Python's `re` accepts look-arounds and backreferences; RE2 must refuse them.
    with pytest.raises(RuleError, match="is not valid RE2"):
        parse_pattern(written)


@pytest.mark.parametrize("written", ["", "   ", "//", "//i"])
def test_an_empty_pattern_is_refused(written: str) -> None:
    with pytest.raises(RuleError, match="pattern is empty"):
        parse_pattern(written)


def test_a_pattern_of_the_maximum_length_is_accepted_and_one_more_character_is_not() -> None:
    assert parse_pattern("x" * MAX_PATTERN_LENGTH).source == "x" * MAX_PATTERN_LENGTH
    with pytest.raises(RuleError, match="1,001 characters long; the limit is 1,000"):
        parse_pattern("x" * (MAX_PATTERN_LENGTH + 1))


def test_a_pattern_that_expands_into_a_huge_program_is_refused() -> None:
    with pytest.raises(RuleError, match="pattern too large"):
        parse_pattern(r"\pL{200}")


@pytest.mark.parametrize(("written", "flag"), [("/disk/g", "g"), ("/disk/im", "m"), ("/var/log", "g, l, o")])
def test_only_the_i_flag_exists(written: str, flag: str) -> None:
    with pytest.raises(RuleError, match=f"unknown flag\\(s\\) {flag}: only i"):
        parse_pattern(written)


@pytest.mark.parametrize(
    ("source", "ignore_case", "written"),
    [
        ("disk full", False, "disk full"),
        ("disk full", True, "/disk full/i"),
        ("/var/log", False, r"/\/var\/log/"),
        ("a/b", True, r"/a\/b/i"),
        (" padded ", False, "/ padded /"),
        ("/var/log full", False, "/var/log full"),
    ],
)
def test_a_stored_pattern_is_written_back_in_notation_that_reads_the_same(
    source: str, ignore_case: bool, written: str
) -> None:
    assert format_pattern(source, ignore_case) == written
    assert parse_pattern(written) == ParsedPattern(source, ignore_case)
