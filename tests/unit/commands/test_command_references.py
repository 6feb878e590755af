"""Channels and people in `/klaxon` text: Slack's escaped markup, or plain names typed without autocomplete."""

import pytest

from klaxon.commands import ChannelRef, MentionKind, MentionRef, plain_text
from klaxon.commands.references import channel_ref, first_reference_markup, mention_ref, poster_ref


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("<#C0123ABC|alerts-prod>", ChannelRef("C0123ABC", "alerts-prod")),
        ("<#C0123ABC|>", ChannelRef("C0123ABC", None)),
        ("<#C0123ABC>", ChannelRef("C0123ABC", None)),
        ("<#G0123ABC|private-ops>", ChannelRef("G0123ABC", "private-ops")),
        ("#alerts-prod", ChannelRef(None, "alerts-prod")),
        ("#db_2.eu", ChannelRef(None, "db_2.eu")),
    ],
)
def test_a_channel_is_read_from_slacks_markup_or_a_typed_name(word: str, expected: ChannelRef) -> None:
    assert channel_ref(word) == expected


@pytest.mark.parametrize("word", ["alerts-prod", "#", "<@U0123ABC>", "<https://example.com>", "#alerts,"])
def test_a_word_that_is_not_a_channel_is_not_taken_for_one(word: str) -> None:
    assert channel_ref(word) is None


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("<@U0123ABC>", MentionRef(MentionKind.USER, id="U0123ABC")),
        ("<@U0123ABC|alice>", MentionRef(MentionKind.USER, id="U0123ABC", name="alice")),
        ("<@W0123ABC|alice>", MentionRef(MentionKind.USER, id="W0123ABC", name="alice")),
        ("<!subteam^S0123ABC|@ops-leads>", MentionRef(MentionKind.GROUP, id="S0123ABC", name="ops-leads")),
        ("<!subteam^S0123ABC>", MentionRef(MentionKind.GROUP, id="S0123ABC")),
        ("<!here>", MentionRef(MentionKind.BROADCAST, name="here")),
        ("<!here|here>", MentionRef(MentionKind.BROADCAST, name="here")),
        ("<!channel>", MentionRef(MentionKind.BROADCAST, name="channel")),
        ("<!everyone>", MentionRef(MentionKind.BROADCAST, name="everyone")),
        ("@here", MentionRef(MentionKind.BROADCAST, name="here")),
        ("@alice", MentionRef(MentionKind.EITHER, name="alice")),
        ("@ops-leads", MentionRef(MentionKind.EITHER, name="ops-leads")),
    ],
)
def test_a_mention_is_read_from_slacks_markup_or_a_typed_name(word: str, expected: MentionRef) -> None:
    assert mention_ref(word) == expected


@pytest.mark.parametrize("word", ["alice", "<#C0123ABC|alerts>", "<https://example.com|example.com>", "@", "U0123ABC"])
def test_a_word_that_is_not_a_mention_is_not_taken_for_one(word: str) -> None:
    assert mention_ref(word) is None


def test_a_mention_tells_what_a_rule_stores_once_it_is_known() -> None:
    assert mention_ref("<@U0123ABC|alice>").target == "U0123ABC"  # type: ignore[union-attr]
    assert mention_ref("<!subteam^S0123ABC>").target == "S0123ABC"  # type: ignore[union-attr]
    assert mention_ref("<!here>").target == "here"  # type: ignore[union-attr]
    assert mention_ref("@alice").target is None  # type: ignore[union-attr]  # looked up by name later


def test_a_poster_may_also_be_a_bare_bot_or_user_id() -> None:
    assert poster_ref("B0123ABC") == MentionRef(MentionKind.BOT, id="B0123ABC")
    assert poster_ref("U0123ABC") == MentionRef(MentionKind.USER, id="U0123ABC")
    assert poster_ref("@grafana") == MentionRef(MentionKind.EITHER, name="grafana")
    assert poster_ref("bots") is None


@pytest.mark.parametrize(
    "broken",
    [
        lambda: MentionRef(MentionKind.BROADCAST, id="U1", name="here"),
        lambda: MentionRef(MentionKind.BROADCAST, name="nobody"),
        lambda: MentionRef(MentionKind.EITHER),
        lambda: MentionRef(MentionKind.USER, name="alice"),
        lambda: ChannelRef(None, None),
    ],
)
def test_a_reference_that_says_nothing_consistent_cannot_be_made(broken: object) -> None:
    with pytest.raises(ValueError):
        broken()  # type: ignore[operator]


def test_plain_text_is_what_the_person_typed() -> None:
    escaped = "disk &gt; 90% &amp;&amp; <https://status.example.com|status.example.com> on <#C1|db> for <@U1|bob>"
    assert plain_text(escaped) == "disk > 90% && status.example.com on #db for @bob"


def test_an_escaped_entity_that_was_typed_stays_typed() -> None:
    # Someone typing `&lt;` literally gets `&amp;lt;` from Slack: one unescape, not two.
    assert plain_text("&amp;lt;") == "&lt;"


def test_in_id_form_references_become_what_rule_files_hold() -> None:
    text = "[Incidents]\nDB\t<#C0123ABC|db-alerts>\n[Hotline]\nDBA\t<@U0123ABC|alice> <!here> <!subteam^S1|@dba>"
    assert plain_text(text, references="ids") == "[Incidents]\nDB\tC0123ABC\n[Hotline]\nDBA\tU0123ABC here S1"


def test_a_link_is_not_a_reference_but_a_mention_is() -> None:
    assert first_reference_markup("see <https://example.com|example.com> now") is None
    assert first_reference_markup("ping <https://x.io> <@U1|bob> <#C1>") == MentionRef(MentionKind.USER, "U1", "bob")
