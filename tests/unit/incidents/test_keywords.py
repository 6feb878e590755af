"""Keyword phrases: whole words in any case, a literal search (never a pattern), bounded."""

from __future__ import annotations

import pytest

from klaxon.incidents.keywords import KeywordError, KeywordReply, replies_for


@pytest.mark.parametrize(("phrase", "text", "found"), [
    ("runbook", "Where is the RUNBOOK?", True), ("runbook", "runbooks2 are gone", False),
    ("run book", "the run   book says", True), ("c++", "we use C++ here", True), ("a.b", "axb", False),
    ("status page", "statuspage is down", False), ("(", "a ( b", True),
])
def test_a_phrase_is_found_as_whole_words_in_any_case(phrase, text, found):
    assert KeywordReply.create(phrase, "r").found_in(text) is found


def test_replies_come_in_the_order_they_were_added():
    first, second = KeywordReply.create("db", "one"), KeywordReply.create("disk", "two")
    assert replies_for("db disk full", (first, second)) == [first, second]


@pytest.mark.parametrize(("phrase", "reply", "problem"), [
    (" ", "r", "word or phrase"), ("x" * 101, "r", "at most 100"), ("x", " ", "needs a reply"),
    ("x", "r" * 2001, "at most 2000")])
def test_a_keyword_reply_is_bounded(phrase, reply, problem):
    with pytest.raises(KeywordError, match=problem):
        KeywordReply.create(phrase, reply)
