"""What Klaxon hears in a comms channel besides commands: pins and 📌 on the timeline, keyword replies once
per incident - and, anywhere else, a message with no keyword costs no read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from klaxon.incidents.keywords import KeywordReply
from klaxon.incidents.listening import Marking, is_pushpin, on_marking, reply_to_keywords
from klaxon.incidents.model import Severity
from klaxon.incidents.ports import SlackRefused
from klaxon.incidents.timeline import EntryKind, pin_key
from tests.unit.incidents.conftest import CONFIG, declared

RUNBOOK = KeywordReply(id="k-000001", phrase="runbook", reply="Runbooks: <https://wiki.example/rb>")
WITH_KEYWORD = replace(CONFIG, keywords=(RUNBOOK,))


def marking(channel, added=True, by_reaction=False, user="U0ANN", ts="1.0", at=None):
    return Marking(channel=channel, ts=ts, user=user, at=at, added=added, by_reaction=by_reaction)


def test_a_pin_and_pushpins_keep_one_entry_until_the_last_goes(desk, store, islack, clock):
    incident = declared(desk, Severity.MAJOR)
    channel = str(incident.comms_channel)
    islack.texts[(channel, "1.0")] = "rolled back"
    assert on_marking(marking(channel, at=clock.now()), "rolled back", desk())
    assert on_marking(marking(channel, by_reaction=True, user="U0BOB", at=clock.now()), None, desk())
    (entry,) = [e for e in store.incidents.timeline(incident.id) if e.kind is EntryKind.PIN]
    assert (entry.key, entry.by, entry.text, entry.message) == (pin_key(channel, "1.0"), "U0ANN", "rolled back",
                                                                 (channel, "1.0"))
    on_marking(marking(channel, added=False, at=clock.now()), None, desk())
    assert any(e.kind is EntryKind.PIN for e in store.incidents.timeline(incident.id))
    on_marking(marking(channel, added=False, by_reaction=True, user="U0BOB", at=clock.now()), None, desk())
    assert not any(e.kind is EntryKind.PIN for e in store.incidents.timeline(incident.id))


def test_outside_comms_channels_and_for_a_deleted_message_nothing_is_recorded(desk, store, clock):
    incident = declared(desk, Severity.MAJOR)
    assert not on_marking(marking("C0ELSEWHERE", at=clock.now()), "x", desk())
    assert on_marking(marking(str(incident.comms_channel), by_reaction=True, at=clock.now()), None, desk())
    assert not any(e.kind is EntryKind.PIN for e in store.incidents.timeline(incident.id))


def test_a_long_pinned_message_keeps_its_start_cut_where_its_markup_stays_whole(desk, store, clock):
    """A pinned message longer than an entry holds: the cut fell inside a link's markup (`<https://…`), which
    Slack and the doc then showed broken; it falls before the link now."""
    incident = declared(desk, Severity.MAJOR)
    text = "x" * 2990 + " <https://wiki.example/runbooks/checkout|the checkout runbook> and more"
    on_marking(marking(str(incident.comms_channel), at=clock.now()), text, desk())
    (entry,) = [e for e in store.incidents.timeline(incident.id) if e.kind is EntryKind.PIN]
    assert entry.text == "x" * 2990 + "…"


def test_pushpin_in_any_skin_tone_is_a_pushpin():
    assert is_pushpin("pushpin") and is_pushpin("pushpin::skin-tone-2") and not is_pushpin("round_pushpin")


def test_a_keyword_is_answered_once_per_incident(desk, store, islack):
    first = declared(desk, Severity.MAJOR, form="V1")
    second = declared(desk, Severity.MAJOR, form="V2")
    for channel in (first.comms_channel, second.comms_channel, first.comms_channel):
        reply_to_keywords("where is the Runbook?", str(channel), "2.0", desk(config=WITH_KEYWORD))
    assert islack.keyword_replies == [(first.comms_channel, "2.0", RUNBOOK.reply),
                                      (second.comms_channel, "2.0", RUNBOOK.reply)]


def test_a_keyword_reply_slack_refuses_is_given_back_and_answered_on_the_retry(desk, store, islack):
    incident = declared(desk, Severity.MAJOR)
    islack.refusals["reply_keyword"] = ["ratelimited"]  # the first reply fails, as a busy Slack's would
    with pytest.raises(SlackRefused):
        reply_to_keywords("where is the Runbook?", str(incident.comms_channel), "2.0", desk(config=WITH_KEYWORD))
    assert islack.keyword_replies == []

    retried = reply_to_keywords("where is the Runbook?", str(incident.comms_channel), "2.0", desk(config=WITH_KEYWORD))
    assert retried == 1
    assert islack.keyword_replies == [(incident.comms_channel, "2.0", RUNBOOK.reply)], "answered once, not lost"


def test_a_message_without_a_keyword_costs_no_read(desk, store):
    declared(desk, Severity.MAJOR)
    reads = store.incidents.reads
    assert reply_to_keywords("checking the dashboards", "C0OPS", "3.0", desk(config=WITH_KEYWORD)) == 0
    assert reply_to_keywords("the runbook says restart", "C0OPS", "3.0", desk(config=WITH_KEYWORD)) == 0
    assert store.incidents.reads == reads + 1, "only the message with a keyword asked which channel it is"
