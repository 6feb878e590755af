"""Judging channel messages and raising alerts, on in-memory fakes with a hand-driven clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.alerting import Identity, Verdict, judge
from klaxon.configuration import Configuration, Preferences
from klaxon.messages import ChannelMessage
from klaxon.rules import Action, ChannelDefault, Rule
from tests.fakes import FakeClock, FakeSlack, take

ALERTS, INCIDENTS, OTHER_INCIDENTS = "C0ALERTS", "C0INCIDENT", "C0OPS"
ME = Identity(bot_user_id="U0KLAXON", bot_id="B0KLAXON", incidents_channel=INCIDENTS)


def rule(pattern: str, **fields: object) -> Rule:
    return Rule.create(pattern=pattern, target_channel=fields.pop("target_channel", INCIDENTS), **fields)


def message(text: str, ts: str = "1800000000.000100", channel: str = ALERTS, poster: str = "B0DATADOG",
            **fields: object) -> ChannelMessage:
    return ChannelMessage(channel=channel, ts=ts, poster=poster, text=text, **fields)


def config(*rules: Rule, **fields: object) -> Configuration:
    return Configuration(version=1, rules=rules, **fields)


def test_a_matching_message_is_reposted_with_its_label_and_a_link_to_the_original(store, slack, clock):
    cfg = config(rule(r"disk (full|\d+%)", label="[Error]"))

    judgement = take(message("disk 91% on db-1"), config=cfg, me=ME, store=store, slack=slack,
                                       now=clock.now())

    assert judgement.verdict is Verdict.ALERT
    (posted,) = slack.posts
    assert posted.label == "[Error]" and posted.target_channel == INCIDENTS
    assert posted.link == "https://klaxon-demo.slack.com/archives/C0ALERTS/p1800000000000100"
    assert store.alerts.find_by_message(INCIDENTS, "1800000000.000001").id == posted.id


def test_the_first_matching_rule_wins(slack, store, clock):
    first, second = rule("disk", label="[First]"), rule("disk full", label="[Second]")

    take(message("disk full"), config=config(first, second), me=ME, store=store, slack=slack,
                           now=clock.now())

    assert [a.label for a in slack.posts] == ["[First]"]


def test_an_unmatched_message_is_ignored_by_default(store, slack, clock):
    judgement = take(message("all good"), config=config(rule("disk")), me=ME, store=store,
                                       slack=slack, now=clock.now())
    assert judgement.verdict is Verdict.IGNORE and not slack.posts and not slack.handled_marks


def test_channel_default_ack_marks_unmatched_messages_handled(store, slack, clock):
    cfg = config(rule("disk"), channel_defaults={ALERTS: ChannelDefault.ACK})

    take(message("deploy finished"), config=cfg, me=ME, store=store, slack=slack, now=clock.now())

    assert slack.handled_marks == [(ALERTS, "1800000000.000100", "white_check_mark")]
    assert not slack.posts


def test_channel_default_alert_reposts_everything_unknown_to_the_incidents_channel(store, slack, clock):
    cfg = config(channel_defaults={ALERTS: ChannelDefault.ALERT})

    take(message("something odd"), config=cfg, me=ME, store=store, slack=slack, now=clock.now())

    (posted,) = slack.posts
    assert posted.target_channel == INCIDENTS and posted.label == "[Unmatched]" and posted.rule_id is None


def test_channel_default_alert_without_an_incidents_channel_says_why_it_does_nothing(store, slack, clock):
    cfg = config(channel_defaults={ALERTS: ChannelDefault.ALERT})
    lost = Identity("U0KLAXON", "B0KLAXON", incidents_channel=None)

    judgement = take(message("x"), config=cfg, me=lost, store=store, slack=slack, now=clock.now())

    assert judgement.verdict is Verdict.IGNORE and "no incidents channel" in judgement.reason


def test_a_suppress_rule_marks_known_noise_handled_and_posts_nothing(store, slack, clock):
    cfg = config(rule("heartbeat", action=Action.SUPPRESS), rule("."))

    judgement = take(message("heartbeat ok"), config=cfg, me=ME, store=store, slack=slack,
                                       now=clock.now())

    assert judgement.verdict is Verdict.SUPPRESS
    assert slack.handled_marks == [(ALERTS, "1800000000.000100", "white_check_mark")] and not slack.posts


def test_the_configured_handled_reaction_is_used(store, slack, clock):
    cfg = config(rule("noise", action=Action.SUPPRESS), preferences=Preferences(handled_reactions=("ok", "done")))
    take(message("noise"), config=cfg, me=ME, store=store, slack=slack, now=clock.now())
    assert slack.handled_marks[0][2] == "ok"


@pytest.mark.parametrize("poster", ["U0KLAXON", "B0KLAXON"])
def test_klaxons_own_messages_are_never_judged(poster, clock):
    judgement = judge(message("disk full", poster=poster), config(rule("disk")), ME, clock.now())
    assert judgement.verdict is Verdict.IGNORE and "Klaxon" in judgement.reason


def test_a_bot_message_posted_by_klaxons_bot_id_is_never_judged(clock):
    ours = message("disk full", poster="U0SOMEONE", bot_id="B0KLAXON")
    assert judge(ours, config(rule("disk")), ME, clock.now()).verdict is Verdict.IGNORE


@pytest.mark.parametrize("channel", [INCIDENTS, OTHER_INCIDENTS])
def test_incidents_channels_are_never_watched(channel, clock):
    cfg = config(rule("disk"), rule("cpu", target_channel=OTHER_INCIDENTS))
    assert judge(message("disk full", channel=channel), cfg, ME, clock.now()).verdict is Verdict.IGNORE


def test_rules_match_the_text_people_read_not_slacks_escapes(store, slack, clock):
    cfg = config(rule(r"latency > 500ms & rising"))
    judgement = judge(message("latency &gt; 500ms &amp; rising"), cfg, ME, clock.now())
    assert judgement.verdict is Verdict.ALERT


def test_a_repeat_within_the_window_updates_the_post_with_a_count(store, slack, clock):
    cfg = config(rule(r"disk \d+% on db-1"))
    take(message("disk 91% on db-1", ts="1800000000.000100"), config=cfg, me=ME, store=store,
                           slack=slack, now=clock.now())
    clock.advance(minutes=4)

    take(message("disk 93% on db-1", ts="1800000240.000100"), config=cfg, me=ME, store=store,
                           slack=slack, now=clock.now())

    assert len(slack.posts) == 1
    (updated,) = slack.updates
    assert updated.count == 2 and updated.last_seen == clock.now()


def test_the_window_slides_with_each_repeat_and_a_later_repeat_posts_again(store, slack, clock):
    cfg = config(rule(r"disk \d+%"))
    for minute in (0, 8, 16):  # each within 10 minutes of the previous: one growing alert
        clock.moment = FakeClock().moment + timedelta(minutes=minute)
        take(message("disk 90%", ts=f"18000000{minute:02d}.000100"), config=cfg, me=ME,
                               store=store, slack=slack, now=clock.now())
    clock.advance(minutes=11)
    take(message("disk 90%", ts="1800009999.000100"), config=cfg, me=ME, store=store,
                           slack=slack, now=clock.now())

    assert len(slack.posts) == 2 and slack.updates[-1].count == 3


def test_a_different_alert_under_the_same_rule_is_posted_separately(store, slack, clock):
    cfg = config(rule("on db-1"))
    take(message("disk full on db-1", ts="1.1"), config=cfg, me=ME, store=store, slack=slack,
                           now=clock.now())
    take(message("cpu high on db-1", ts="1.2"), config=cfg, me=ME, store=store, slack=slack,
                           now=clock.now())
    assert len(slack.posts) == 2 and not slack.updates


def test_a_redelivered_message_is_never_posted_or_counted_twice(store, slack, clock):
    cfg = config(rule("disk"))
    for _ in range(3):
        take(message("disk full"), config=cfg, me=ME, store=store, slack=slack, now=clock.now())
    assert len(slack.posts) == 1 and not slack.updates
    assert store.alerts.get("C0ALERTS/1800000000.000100").count == 1


def test_an_alert_recorded_by_a_worker_that_died_before_posting_is_posted_on_retry(store, slack, clock):
    cfg = config(rule("disk"))

    class DyingSlack(FakeSlack):
        def post_alert(self, alert):
            raise ConnectionError("lambda timed out")

    with pytest.raises(ConnectionError):
        take(message("disk full"), config=cfg, me=ME, store=store, slack=DyingSlack(),
                               now=clock.now())
    take(message("disk full"), config=cfg, me=ME, store=store, slack=slack, now=clock.now())

    assert len(slack.posts) == 1 and store.alerts.get("C0ALERTS/1800000000.000100").is_posted
