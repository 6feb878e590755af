"""Paging on in-memory fakes with a hand-driven clock: levels, waits, repeats, acks, exhaustion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from klaxon.alerts import handling
from klaxon.alerts.handling import ReactionChange
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.alerts.model import AlertState
from klaxon.configuration.model import Configuration, Preferences
from klaxon.paging import service as paging
from klaxon.paging.policies import EscalationPolicy, Level, PageState, PolicyError, took
from klaxon.paging.service import Mention, Pager
from klaxon.rules import Rule
from klaxon.sweep import SweepContext, SweepFailed, sweep
from tests.fakes import FakeClock, FakeDirectory, InMemoryStore, take, wired

OPS, INCIDENTS, ALERTS = "C0OPS", "C0INCIDENT", "C0ALERTS"
ALICE, BOB, CAROL, DAN = "U0ALICE", "U0BOB", "U0CAROL", "U0DAN"
ME = "U0KLAXON"

DB = EscalationPolicy("db", levels=(Level((ALICE,), 300), Level(("S0LEADS",), 120)))


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))


@pytest.fixture
def directory():
    return FakeDirectory(members={"S0LEADS": frozenset({BOB, CAROL})})


def config(policy: EscalationPolicy = DB, **preferences) -> Configuration:
    return Configuration(version=1, policies={policy.name: policy}, channel_policies={OPS: policy.name},
                         preferences=Preferences(**preferences))


def pager(store, slack, directory, clock) -> Pager:
    """Paging as the functions wire it: its events go to the real subscribers (klaxon.bootstrap)."""
    return wired(store, slack, clock, directory=directory).pager()


def react(store, slack, directory, clock, change, cfg):
    """A reaction, as the Slack listener carries it out: the alert it marks, then the page a mention started."""
    effect = handling.on_reaction(change, store=store, slack=slack, configuration=lambda: cfg,
                                  publish=wired(store, slack, clock, cfg, directory=directory).publish)
    if change.added and effect.page_id:
        paging.acknowledge(effect.page_id, change.user, pager(store, slack, directory, clock))
    return effect


def mention(text="<@U0KLAXON> db-1 is down", ts="1800000000.000100", channel=OPS, thread_ts=None):
    return Mention(channel=channel, ts=ts, user=DAN, text=text, thread_ts=thread_ts)


def tick(store, slack, directory, clock, cfg=None, **minutes):
    """Let time pass, then run one sweep."""
    clock.advance(**minutes)
    cfg = cfg or config()
    return sweep(SweepContext(store=store, slack=slack, directory=directory, config=cfg, now=clock.now(),
                              publish=wired(store, slack, clock, cfg, directory=directory).publish))


def dm_count(slack):
    return len(slack.pages_sent)


def test_a_mention_pages_level_one_at_once_and_says_whom_in_the_thread(store, slack, directory, clock):
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())

    assert page.summary == "db-1 is down" and page.step == 1
    assert slack.pages_sent == [(ALICE, page.id, 0)]
    (note,) = slack.notes
    assert note[:2] == (OPS, "1800000000.000100") and f"<@{ALICE}>" in note[2] and "level 1 of 2" in note[2]


def test_unacknowledged_it_escalates_after_the_wait_and_no_sooner(store, slack, directory, clock):
    paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    tick(store, slack, directory, clock, minutes=4)
    assert dm_count(slack) == 1
    tick(store, slack, directory, clock, minutes=1)
    assert {user for user, _, step in slack.pages_sent if step == 1} == {BOB, CAROL}, "the group, resolved now"


def test_an_acknowledgement_by_button_stops_it_and_says_who_after_how_long(store, slack, directory, clock):
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    tick(store, slack, directory, clock, minutes=5)
    clock.advance(seconds=30)

    acked = paging.acknowledge(page.id, BOB, pager(store, slack, directory, clock))
    tick(store, slack, directory, clock, minutes=30)

    assert acked.state is PageState.ACKNOWLEDGED and dm_count(slack) == 3
    assert slack.notes[-1][2] == f":white_check_mark: <@{BOB}> acknowledged after 5m 30s; escalation stopped."
    assert {user for user, _ in slack.pages_closed} == {ALICE, BOB, CAROL}, "every DM says it is handled"
    assert paging.acknowledge(page.id, CAROL, pager(store, slack, directory, clock)) is None, "once"


def test_a_handled_reaction_on_the_mention_acknowledges_the_page(store, slack, directory, clock):
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    change = ReactionChange(ALICE, "white_check_mark", OPS, "1800000000.000100", True, clock.now())
    react(store, slack, directory, clock, change, config())
    assert store.pages.get(page.id).acknowledged_by == ALICE


def test_when_every_level_is_spent_the_page_ends_with_a_note(store, slack, directory, clock):
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    tick(store, slack, directory, clock, minutes=5)
    tick(store, slack, directory, clock, minutes=1)
    assert store.pages.get(page.id).is_active, "the last level still has its wait"
    tick(store, slack, directory, clock, minutes=1)
    tick(store, slack, directory, clock, minutes=10)

    assert store.pages.get(page.id).state is PageState.EXHAUSTED and dm_count(slack) == 3
    assert slack.notes[-1][2].startswith(":no_bell: Nobody acknowledged after every level of `db`")


def test_a_repeat_runs_the_levels_again(store, slack, directory, clock):
    twice = EscalationPolicy("db", levels=(Level((ALICE,), 60), Level((DAN,), 60)), repeat=1)
    paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config(twice))
    for _ in range(5):
        tick(store, slack, directory, clock, config(twice), minutes=1)
    assert [user for user, _, _ in slack.pages_sent] == [ALICE, DAN, ALICE, DAN]
    assert "round 2 of 2" in slack.notes[2][2]


def test_a_policy_edited_mid_page_does_not_change_the_page(store, slack, directory, clock):
    paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    edited = EscalationPolicy("db", levels=(Level((DAN,), 60),))
    tick(store, slack, directory, clock, config(edited), minutes=5)
    assert {user for user, _, step in slack.pages_sent if step == 1} == {BOB, CAROL}


def test_two_workers_on_the_same_step_notify_it_once(store, slack, directory, clock):
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    clock.advance(minutes=5)
    stale = store.pages.get(page.id)
    paging.advance([stale], pager(store, slack, directory, clock))
    paging.advance([stale], pager(store, slack, directory, clock))  # an overlapping sweep read the same page
    assert dm_count(slack) == 3


def test_a_step_interrupted_half_way_is_finished_by_the_next_sweep_without_repeats(store, slack, directory, clock):
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    slack.unreachable = {CAROL}
    with pytest.raises(SweepFailed, match="pages_advanced"):
        tick(store, slack, directory, clock, minutes=5)
    slack.unreachable = set()
    tick(store, slack, directory, clock, minutes=1)
    assert sorted(user for user, _, step in slack.pages_sent if step == 1) == [BOB, CAROL]
    assert store.pages.get(page.id).sending is None


@pytest.mark.parametrize(("refusal", "why"), [
    ("user_disabled", "their account is deactivated"), ("user_not_found", "not in this workspace"),
    ("user_not_visible", "Klaxon may not see them"), ("cannot_dm_bot", "a bot, which cannot get direct messages"),
])
def test_someone_slack_will_not_let_klaxon_message_is_skipped_and_named_and_the_rest_are_paged(
        store, slack, directory, clock, refusal, why):
    """Carol left the company: the policy still names her through @leads. Bob is paged, the thread says why
    Carol was not, and no later sweep tries her again or fails on her."""
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    slack.refused_people = {CAROL: refusal}
    tick(store, slack, directory, clock, minutes=5)
    tick(store, slack, directory, clock, minutes=1)

    assert [(user, step) for user, _, step in slack.pages_sent] == [(ALICE, 0), (BOB, 1)]
    note = slack.notes[-1][2]
    assert f"Paging <@{BOB}> (level 2 of 2" in note and f"<@{CAROL}>: {why}" in note
    assert store.pages.get(page.id).is_active, "it waits for Bob as for anyone paged"


def test_a_level_of_people_who_all_left_pages_nobody_says_so_and_escalation_goes_on(store, slack, directory, clock):
    policy = EscalationPolicy("db", levels=(Level((CAROL,), 60), Level((DAN,), 60)))
    slack.refused_people = {CAROL: "user_disabled"}
    page = paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config(policy))
    assert slack.pages_sent == [] and slack.notes[-1][2].startswith(":rotating_light: Paging nobody (level 1 of 2")
    assert "their account is deactivated" in slack.notes[-1][2]
    tick(store, slack, directory, clock, config(policy), minutes=1)
    assert [user for user, _, _ in slack.pages_sent] == [DAN] and store.pages.get(page.id).step == 2


def test_a_persons_direct_message_channel_is_opened_once_and_remembered_for_every_later_page(
        store, slack, directory, clock):
    twice = EscalationPolicy("db", levels=(Level((ALICE,), 60), Level((DAN,), 60)), repeat=1)
    paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config(twice))
    paging.on_mention(mention(ts="1800000000.000200"), ME, pager(store, slack, directory, clock), config(twice))
    for _ in range(5):
        tick(store, slack, directory, clock, config(twice), minutes=1)

    assert len(slack.pages_sent) == 8, "two pages, each level twice"
    assert slack.dms_opened == [ALICE, DAN], "conversations.open once a person, not once a message"
    assert store.people.dm_channels == {ALICE: f"D{ALICE}", DAN: f"D{DAN}"}


def test_a_channel_remembered_by_another_container_is_used_without_opening_one(store, slack, directory, clock):
    store.people.remember_dm_channel(ALICE, f"D{ALICE}")
    paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    assert slack.pages_sent[0][0] == ALICE and slack.dms_opened == []


def test_a_sweep_with_many_pages_due_sends_every_message_before_the_thread_notes(store, slack, directory, clock):
    for n in range(3):
        paging.on_mention(mention(ts=f"1800000000.00010{n}"), ME, pager(store, slack, directory, clock), config())
    said: list[str] = []
    slack.page_person = lambda user, channel, page, step: said.append("message") or "1.0"
    slack.tell_paging = lambda page, step, people: said.append("note")
    tick(store, slack, directory, clock, minutes=5)
    assert said == ["message"] * 6 + ["note"] * 3, "a channel's notes go at Slack's one a second: people first"


def test_a_mention_retried_by_slack_starts_one_page(store, slack, directory, clock):
    for _ in range(3):
        paging.on_mention(mention(), ME, pager(store, slack, directory, clock), config())
    assert dm_count(slack) == 1 and len(slack.notes) == 1


def test_a_mention_without_text_gets_help_and_pages_nobody(store, slack, directory, clock):
    assert paging.on_mention(mention("<@U0KLAXON>  "), ME, pager(store, slack, directory, clock), config()) is None
    assert "Mention me with what is wrong" in slack.notes[0][2] and dm_count(slack) == 0


def test_mentions_page_only_from_allowed_channels(store, slack, directory, clock):
    allowed = config(paging_channels=("C0OTHER",))
    assert paging.on_mention(mention(), ME, pager(store, slack, directory, clock), allowed) is None
    assert "don't page from this channel" in slack.notes[0][2]


def test_a_channel_without_a_policy_says_how_to_set_one(store, slack, directory, clock):
    assert paging.on_mention(mention(channel="C0ELSE"), ME, pager(store, slack, directory, clock), config()) is None
    assert "/klaxon policy use NAME in <#C0ELSE>" in slack.notes[0][2]


def test_the_default_policy_pages_where_no_channel_policy_is_set(store, slack, directory, clock):
    cfg = Configuration(policies={"db": DB}, default_policy="db")
    assert paging.on_mention(mention(channel="C0ELSE"), ME, pager(store, slack, directory, clock), cfg)


def test_a_mention_in_a_thread_is_answered_in_that_thread(store, slack, directory, clock):
    paging.on_mention(mention(ts="1800000009.000100", thread_ts="1800000000.000001"), ME,
                      pager(store, slack, directory, clock), config())
    assert slack.notes[0][1] == "1800000000.000001"


def test_a_direct_message_gets_the_configured_reply(store, slack, directory, clock):
    paging.answer_direct_message("D0DAN", pager(store, slack, directory, clock), config(dm_reply="Use #ops"))
    assert slack.said == [("D0DAN", "Use #ops")]


# ------------------------------------------------------------------------------ alerts that time out
def alert_rules(**rule) -> Configuration:
    return Configuration(version=1, rules=(Rule.create(pattern="disk", target_channel=INCIDENTS, policy="db",
                                                       **rule),), policies={"db": DB})


def raise_alert(store, slack, clock, cfg):
    take(ChannelMessage(ALERTS, "1800000000.000200", "B0DATADOG", "disk 97%"), config=cfg,
         me=Identity(ME, "B0K", None), store=store, slack=slack, now=clock.now())
    (alert,) = store.alerts.alerts.values()
    return alert


def test_an_alert_unacknowledged_past_its_timeout_pages_its_policy_in_the_alert_thread(store, slack, directory,
                                                                                        clock):
    cfg = alert_rules(ack_timeout_seconds=120)
    alert = raise_alert(store, slack, clock, cfg)
    tick(store, slack, directory, clock, cfg, minutes=1)
    assert dm_count(slack) == 0
    tick(store, slack, directory, clock, cfg, minutes=1)
    assert slack.pages_sent == [(ALICE, f"alert/{alert.id}", 0)]
    assert slack.notes[0][:2] == (INCIDENTS, alert.post_ts)


def test_an_alert_handled_before_its_timeout_pages_nobody(store, slack, directory, clock):
    cfg = alert_rules(ack_timeout_seconds=120)
    alert = raise_alert(store, slack, clock, cfg)
    handling.acknowledge(alert.id, BOB, clock.now(), store=store, slack=slack,
                         publish=wired(store, slack, clock, cfg, directory=directory).publish)
    tick(store, slack, directory, clock, cfg, minutes=5)
    assert dm_count(slack) == 0 and store.pages.timers == {}


def test_acknowledging_the_alert_stops_its_page_and_acknowledging_the_page_marks_the_alert(store, slack, directory,
                                                                                            clock):
    cfg = alert_rules(ack_timeout_seconds=60)
    alert = raise_alert(store, slack, clock, cfg)
    tick(store, slack, directory, clock, cfg, minutes=1)
    change = ReactionChange(ALICE, "white_check_mark", INCIDENTS, alert.post_ts, True, clock.now())
    react(store, slack, directory, clock, change, cfg)
    assert store.pages.get(f"alert/{alert.id}").acknowledged_by == ALICE

    second = raise_alert(InMemoryStore(), slack, clock, cfg)  # a fresh store: its page acked from the DM
    other_store = InMemoryStore()
    other_store.alerts.alerts[second.id] = second
    other_store.pages.timers[second.id] = clock.now()
    tick(other_store, slack, directory, clock, cfg, minutes=1)
    paging.acknowledge(f"alert/{second.id}", DAN, pager(other_store, slack, directory, clock))
    assert other_store.alerts.get(second.id).state is AlertState.ACKNOWLEDGED


def test_a_rule_whose_policy_was_removed_says_so_instead_of_paging(store, slack, directory, clock):
    alert = raise_alert(store, slack, clock, alert_rules(ack_timeout_seconds=60))
    tick(store, slack, directory, clock, Configuration(version=2), minutes=2)
    assert dm_count(slack) == 0 and "no longer exists" in slack.notes[0][2] and slack.notes[0][1] == alert.post_ts


# ------------------------------------------------------------------------------ the policy model
@pytest.mark.parametrize("build, problem", [
    (lambda: EscalationPolicy("db", levels=()), "no levels"),
    (lambda: Level(()), "at least one"),
    (lambda: Level((ALICE,), 0), "positive"),
    (lambda: Level((ALICE,), -5), "positive"),
    (lambda: Level(("here",)), "not a user or user group"),
    (lambda: EscalationPolicy("Bad Name", levels=(Level((ALICE,)),)), "policy name"),
    (lambda: EscalationPolicy("db", levels=(Level((ALICE,)),), repeat=11), "repeat"),
])
def test_a_policy_that_cannot_page_is_refused(build, problem):
    with pytest.raises(PolicyError, match=problem):
        build()


def test_durations_read_the_way_people_say_them():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert [took(start, start.replace(second=s)) for s in (0, 45)] == ["0s", "45s"]
    assert took(start, start.replace(minute=3, second=20)) == "3m 20s"
    assert took(start, start.replace(hour=1, minute=5)) == "1h 5m"
