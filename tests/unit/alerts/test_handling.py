"""Acknowledging alerts: handled reactions on either message, the buttons, and the reconcile's repairs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.alerts.handling import ReactionChange, acknowledge, on_reaction, resolve
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.model import BUTTON, AlertState, HandledMark, reaction_via
from klaxon.alerts.reconcile import repair
from klaxon.configuration.model import Configuration, Preferences
from klaxon.events import AlertAcknowledged, AlertResolved
from klaxon.rules import Rule
from tests.fakes import InMemoryStore, take

ALERTS, INCIDENTS = "C0ALERTS", "C0INCIDENT"
ORIGINAL_TS = "1800000000.000100"


@pytest.fixture
def store(clock, slack):
    """A store holding one posted alert."""
    store = InMemoryStore()
    config = Configuration(version=1, rules=(Rule.create(pattern="disk", target_channel=INCIDENTS),))
    take(ChannelMessage(ALERTS, ORIGINAL_TS, "B0DATADOG", "disk full"), config=config,
                           me=Identity("U0K", "B0K", None), store=store, slack=slack, now=clock.now())
    return store


@pytest.fixture
def alert(store):
    (alert,) = store.alerts.alerts.values()
    return alert


@pytest.fixture
def told():
    """The domain events published, in order."""
    return []


def react(store, slack, clock, user, channel, ts, reaction="white_check_mark", added=True, config=None, told=None):
    change = ReactionChange(user, reaction, channel, ts, added, clock.now())
    return on_reaction(change, store=store, slack=slack, configuration=lambda: config or Configuration(),
                       publish=(told if told is not None else []).append).alert


def test_a_handled_reaction_on_the_alert_post_acknowledges_it_and_redraws_the_post(store, slack, clock, alert,
                                                                                   told):
    acked = react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts, told=told)
    assert acked.state is AlertState.ACKNOWLEDGED and acked.acknowledged_by.user == "U0ALICE"
    assert slack.updates[-1].revision == acked.revision
    assert told == [AlertAcknowledged(acked, by="U0ALICE", at=clock.now())], "paging hears of it"


def test_a_handled_reaction_on_the_original_message_acknowledges_it_too(store, slack, clock, alert):
    acked = react(store, slack, clock, "U0BOB", ALERTS, ORIGINAL_TS)
    assert acked.state is AlertState.ACKNOWLEDGED
    assert acked.marks[0].via == reaction_via("white_check_mark", ALERTS, ORIGINAL_TS)


def test_other_reactions_change_nothing(store, slack, clock, alert, told):
    assert react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts, reaction="eyes", told=told) is None
    assert store.alerts.get(alert.id).state is AlertState.OPEN and not slack.updates and told == []


def test_the_configured_handled_reactions_count(store, slack, clock, alert):
    config = Configuration(preferences=Preferences(handled_reactions=("ok", "done")))
    assert react(store, slack, clock, "U0A", INCIDENTS, alert.post_ts, reaction="done", config=config)
    assert react(store, slack, clock, "U0A", INCIDENTS, alert.post_ts, config=config) is None


def test_a_reaction_on_an_unrelated_message_costs_one_lookup_and_nothing_else(store, slack, clock, told):
    loaded = []
    change = ReactionChange("U0A", "white_check_mark", ALERTS, "1700000000.000001", True, clock.now())
    effect = on_reaction(change, store=store, slack=slack, configuration=lambda: loaded.append(1), publish=told.append)
    assert effect.alert is None and effect.page_id is None
    assert store.messages.lookups == [(ALERTS, "1700000000.000001")] and loaded == [] and not slack.updates
    assert told == []


def test_several_people_acknowledge_and_the_first_stays_the_acknowledger(store, slack, clock, alert):
    react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts)
    clock.advance(minutes=1)
    both = react(store, slack, clock, "U0BOB", ALERTS, ORIGINAL_TS)
    assert {m.user for m in both.marks} == {"U0ALICE", "U0BOB"} and both.acknowledged_by.user == "U0ALICE"


def test_removing_the_last_handled_reaction_unacknowledges(store, slack, clock, alert, told):
    react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts)
    react(store, slack, clock, "U0BOB", ALERTS, ORIGINAL_TS)
    still = react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts, added=False, told=told)
    assert still.state is AlertState.ACKNOWLEDGED
    reopened = react(store, slack, clock, "U0BOB", ALERTS, ORIGINAL_TS, added=False, told=told)
    assert reopened.state is AlertState.OPEN and slack.updates[-1].state is AlertState.OPEN
    assert told == [], "taking a reaction back acknowledges nothing"


def test_the_buttons_acknowledge_and_resolve(store, slack, clock, alert, told):
    acked = acknowledge(alert.id, "U0ALICE", clock.now(), store=store, slack=slack, publish=told.append)
    assert acked.state is AlertState.ACKNOWLEDGED and acked.marks[0].via == BUTTON
    resolved = resolve(alert.id, "U0BOB", clock.advance(minutes=3), store=store, slack=slack, publish=told.append)
    assert resolved.state is AlertState.RESOLVED and resolved.resolved_by == "U0BOB"
    again = resolve(alert.id, "U0CAROL", clock.advance(minutes=1), store=store, slack=slack, publish=told.append)
    assert again.resolved_by == "U0BOB", "the first resolver is kept"
    assert [type(event) for event in told] == [AlertAcknowledged, AlertResolved, AlertResolved]
    assert told[1].by == "U0BOB" and told[1].alert == resolved


def test_a_button_for_an_alert_that_is_gone_does_nothing(store, slack, clock, told):
    assert acknowledge("C0X/1.0", "U0A", clock.now(), store=store, slack=slack, publish=told.append) is None
    assert not slack.updates and told == []


def test_the_post_is_redrawn_until_it_shows_a_racing_change(store, slack, clock, alert):
    racing = []

    def update_then_someone_else_acks(drawn):
        slack.updates.append(drawn)
        if not racing:  # while this change was drawn, another landed
            racing.append(store.alerts.add_mark(alert.id, HandledMark("U0BOB", BUTTON, clock.now())))

    slack.update_alert = update_then_someone_else_acks
    react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts)
    assert slack.updates[-1].revision == racing[0].revision
    assert {m.user for m in slack.updates[-1].marks} == {"U0ALICE", "U0BOB"}


@pytest.mark.parametrize("handle", [
    lambda store, slack, clock, alert, told: react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts,
                                                   told=told),
    lambda store, slack, clock, alert, told: acknowledge(alert.id, "U0ALICE", clock.now(), store=store,
                                                         slack=slack, publish=told.append),
    lambda store, slack, clock, alert, told: resolve(alert.id, "U0ALICE", clock.now(), store=store, slack=slack,
                                                     publish=told.append),
], ids=["reaction", "acknowledge button", "resolve button"])
def test_a_redraw_slack_refuses_fails_loudly_but_paging_has_already_heard(store, slack, clock, alert, told, handle):
    def slack_down(_alert):
        raise ConnectionError("chat.update timed out")

    slack.update_alert = slack_down
    with pytest.raises(ConnectionError):  # for Lambda's retries, then the dead-letter queue
        handle(store, slack, clock, alert, told)
    assert [event.by for event in told] == ["U0ALICE"], "the alert's page stops although its post is stale"
    assert store.alerts.get(alert.id).state is not AlertState.OPEN, "the mark is kept for the retry to draw"


# ------------------------------------------------------------------------------------------ reconcile
def test_repair_adds_reactions_slack_has_that_klaxon_missed(alert, clock):
    seen = {(INCIDENTS, alert.post_ts): {"white_check_mark": ["U0ALICE"], "eyes": ["U0BOB"]}}
    fix = repair(alert, seen, ["white_check_mark"], clock.now())
    assert [(m.user, m.via) for m in fix.add] == [("U0ALICE", reaction_via("white_check_mark", INCIDENTS,
                                                                            alert.post_ts))]
    assert fix.remove == ()


def test_repair_removes_marks_whose_reaction_is_gone_but_keeps_button_marks(store, alert, clock):
    via = reaction_via("white_check_mark", ALERTS, ORIGINAL_TS)
    store.alerts.add_mark(alert.id, HandledMark("U0ALICE", via, clock.now()))
    marked = store.alerts.add_mark(alert.id, HandledMark("U0BOB", BUTTON, clock.now()))
    fix = repair(marked, {(ALERTS, ORIGINAL_TS): {}}, ["white_check_mark"], clock.now() + timedelta(minutes=1))
    assert fix.add == () and [(m.user, m.via) for m in fix.remove] == [("U0ALICE", via)]


def test_repair_leaves_marks_on_messages_it_did_not_look_at(store, alert, clock):
    via = reaction_via("white_check_mark", INCIDENTS, alert.post_ts)
    marked = store.alerts.add_mark(alert.id, HandledMark("U0ALICE", via, clock.now()))
    assert not repair(marked, {(ALERTS, ORIGINAL_TS): {}}, ["white_check_mark"], clock.now())


# ---------------------------------------------------------------------- skin tones
THUMBS = Configuration(preferences=Preferences(handled_reactions=("white_check_mark", "+1")))


@pytest.mark.parametrize("reaction", ["+1::skin-tone-3", "+1::skin-tone-6", "+1", "white_check_mark::skin-tone-2"])
def test_a_handled_reaction_in_any_skin_tone_acknowledges_and_its_removal_takes_it_back(store, slack, clock, alert,
                                                                                          reaction):
    acked = react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts, reaction=reaction, config=THUMBS)
    assert acked.state is AlertState.ACKNOWLEDGED
    removed = react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts, reaction=reaction, added=False,
                    config=THUMBS)
    assert removed.state is AlertState.OPEN


def test_a_skin_tone_of_another_reaction_means_nothing(store, slack, clock, alert):
    assert react(store, slack, clock, "U0ALICE", INCIDENTS, alert.post_ts, reaction="wave::skin-tone-3",
                 config=THUMBS) is None


def test_the_reconcile_counts_handled_reactions_in_any_skin_tone(alert, clock):
    seen = {(INCIDENTS, alert.post_ts): {"+1::skin-tone-4": ["U0CAROL"], "wave::skin-tone-2": ["U0DAN"]}}
    fix = repair(alert, seen, ("+1",), clock.now())
    assert [mark.user for mark in fix.add] == ["U0CAROL"] and not fix.remove
