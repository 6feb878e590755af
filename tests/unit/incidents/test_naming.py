"""Comms channel names: inc-YYYYMMDD-slug within Slack's rules, and the next names when one is taken."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

import pytest

from klaxon.incidents.naming import MAX_ATTEMPTS, MAX_CHANNEL_CHARS, channel_names, normalised, slug

DAY = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(("summary", "expected"), [
    ("Checkout is DOWN for EU customers!", "checkout-down-eu-customers"),
    ("Ünïcödé in the café", "unicode-cafe"),
    ("🔥🔥🔥", "incident"),
    ("db_1 & db-2 <failover>", "db_1-db-2-failover"),
    ("the the the", "incident"),
])
def test_a_summary_becomes_a_channel_safe_slug(summary: str, expected: str) -> None:
    assert slug(summary) == expected


def test_a_long_summary_is_cut_at_a_word() -> None:
    cut = slug("payments service returning errors to every single customer in every region today")
    assert len(cut) <= 40 and not cut.endswith("-") and cut.startswith("payments-service")


def test_names_start_with_the_date_and_get_a_number_when_taken() -> None:
    names = list(channel_names("Checkout is down", DAY))
    assert names[:3] == ["inc-20261129-checkout-down", "inc-20261129-checkout-down-2",
                         "inc-20261129-checkout-down-3"]
    assert len(names) == MAX_ATTEMPTS and len(set(names)) == MAX_ATTEMPTS


def test_every_name_fits_slack_s_limit_even_numbered() -> None:
    for name in islice(channel_names("x", DAY, wanted="a" * 200), MAX_ATTEMPTS):
        assert len(name) <= MAX_CHANNEL_CHARS


@pytest.mark.parametrize(("asked", "name"), [("#Inc DB Outage", "inc-db-outage"), ("db.outage!", "db-outage"),
                                             ("payments_2026", "payments_2026")])
def test_a_name_asked_for_is_made_valid(asked: str, name: str) -> None:
    assert normalised(asked) == name


def test_a_name_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="letters or digits"):
        normalised("#!!!")
