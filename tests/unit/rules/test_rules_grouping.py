"""Grouping: a repeat of the same alert updates one post; a different alert gets its own."""

import re

import pytest

from klaxon.rules import MAX_MATCHED_CHARS, fingerprint, mask_variables


def test_the_same_alert_with_different_readings_groups() -> None:
    assert fingerprint("r-1", "disk 91% full on host-12") == fingerprint("r-1", "disk 93% full on host-12")


def test_different_alerts_on_the_same_host_do_not_group() -> None:
    assert fingerprint("r-1", "disk full on db-1") != fingerprint("r-1", "cpu high on db-1")


def test_the_same_text_under_another_rule_does_not_group() -> None:
    assert fingerprint("r-1", "disk full") != fingerprint("r-2", "disk full")


def test_a_fingerprint_is_a_short_stable_hex_digest() -> None:
    # Pinned: changing the masks regroups alerts that are open while a new version deploys.
    assert fingerprint("r-7f3a2c", "disk 91% full on host-12") == "67c840318c03229b"
    assert re.fullmatch(r"[0-9a-f]{16}", fingerprint("r-1", ""))


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("request 123E4567-E89B-12D3-A456-426614174000 failed", "request <uuid> failed"),
        ("at 2024-05-01T12:00:00.123+09:00 and 2024-05-01 12:00:00Z", "at <time> and <time>"),
        ("backup of 2024/05/01 failed at 03:15:07", "backup of <date> failed at <time>"),
        ("from 192.168.1.20:8080 and 2001:db8:0:0:0:0:2:1", "from <ip> and <ip>"),
        ("in <#C021C9EC76C|ops> by <@U0123ABCD>", "in <#<id>|ops> by <@<id>>"),
        ("commit 9f86d081884c7d65 and 0x1F3A", "commit <hex> and <hex>"),
        (
            "disk 91% full, load 1.5, 1,024 files, took 200ms, 512MB free",
            "disk <num> full, load <num>, <num> files, took <num>, <num> free",
        ),
        ("  CPU\thigh\n\non   db-1  ", "cpu high on db-<num>"),
    ],
)
def test_variable_parts_are_masked(text: str, masked: str) -> None:
    assert mask_variables(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "db1 and host12 are down",  # digits inside a word name a different thing
        "CRITICALERROR on UNREACHABLE",  # capitals without digits are words, not Slack ids
        "deadbeef decade facade",  # hex letters without digits are words
    ],
)
def test_words_that_only_look_variable_are_kept(text: str) -> None:
    assert mask_variables(text) == text.casefold()


def test_digits_inside_a_host_name_keep_alerts_for_different_hosts_apart() -> None:
    assert fingerprint("r-1", "db1 is down") != fingerprint("r-1", "db2 is down")


def test_a_pure_number_of_six_digits_is_a_number_not_hex() -> None:
    assert mask_variables("wrote 1234567 bytes") == mask_variables("wrote 12 bytes") == "wrote <num> bytes"


def test_text_past_the_matching_cap_does_not_change_the_fingerprint() -> None:
    head = ("disk full " * MAX_MATCHED_CHARS)[:MAX_MATCHED_CHARS]
    assert fingerprint("r-1", head + "tail one") == fingerprint("r-1", head + "tail two")
