"""What people typed, quoted back in an error: one line, capped, however much they pasted."""

from __future__ import annotations

import pytest

from klaxon.rules.patterns import quote
from klaxon.slack.renderers.commands import PROBLEM_LIMIT, Reply
from klaxon.wording import one_line


def test_one_line_caps_and_flattens_whatever_it_quotes():
    assert one_line("disk full", 80) == "disk full"
    assert one_line("a\nb\r\nc\u2028d", 80) == "a⏎b⏎c⏎d"
    assert one_line("x" * 100, 10) == "x" * 9 + "…"
    assert one_line("ab\n" * 1_000_000, 7) == "ab⏎ab⏎…"
    assert quote("line one\nline two") == "line one⏎line two"


@pytest.mark.parametrize("problem", [
    "channels: '" + "lol, " * 1_000_000 + "' is not a valid ChannelDefault",
    "line 2: \"" + "x\n" * 10_000 + "\" is neither a channel id nor a known channel name",
])
def test_a_refusal_shows_its_problem_on_one_capped_line_and_keeps_the_usage(problem):
    reply = Reply.refusal(problem, usage="/klaxon import [ims|yaml] <text>")
    shown, usage_title, usage = reply.text.split("\n")
    assert len(shown) <= len(":warning: ") + PROBLEM_LIMIT and shown.endswith("…")
    assert (usage_title, usage) == ("Usage:", "/klaxon import [ims|yaml] <text>")
