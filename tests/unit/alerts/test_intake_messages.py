"""Judging channel messages and raising alerts, on in-memory fakes with a hand-driven clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.intake import MAX_ALERT_TEXT
from klaxon.alerts.judging import Identity, Verdict, judge
from klaxon.alerts.messages import ChannelMessage, slack_ts
from klaxon.configuration.model import Configuration, Preferences
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.rules import Action, ChannelDefault, Rule, TimeWindow
from tests.fakes import FakeClock, FakeSlack, take

ALERTS, INCIDENTS, OTHER_INCIDENTS = "C0ALERTS", "C0INCIDENT", "C0OPS"
ME = Identity(bot_user_id="U0KLAXON", bot_id="B0KLAXON", incidents_channel=INCIDENTS)
POLICY = EscalationPolicy(name="db", levels=(Level(("U0BOB",), 60),))


def rule(pattern: str, **fields: object) -> Rule:
    return Rule.create(pattern=pattern, target_channel=fields.pop("target_channel", INCIDENTS), **fields)


def message(text: str, ts: str = "1800000000.000100", channel: str = ALERTS, poster: str = "B0DATADOG",
            **fields: object) -> ChannelMessage:
    return ChannelMessage(channel=channel, ts=ts, poster=poster, text=text, **fields)


class DyingSlack(FakeSlack):
    """Slack as a worker that times out (or has not yet got) its post sees it: the alert is recorded, not posted."""

    def post_alert(self, alert):
        raise ConnectionError("lambda timed out")


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
    with pytest.raises(ConnectionError):
        take(message("disk full"), config=cfg, me=ME, store=store, slack=DyingSlack(),
                               now=clock.now())
    take(message("disk full"), config=cfg, me=ME, store=store, slack=slack, now=clock.now())

    assert len(slack.posts) == 1 and store.alerts.get("C0ALERTS/1800000000.000100").is_posted


# ---------------------------------------------------------------------- judged at the moment it was said
WINDOW = TimeWindow.parse("daily 18:06-19:06 UTC")
AT_1902 = datetime(2026, 11, 24, 19, 2, tzinfo=UTC)


def said(text: str, at: datetime, **fields: object) -> ChannelMessage:
    return message(text, ts=slack_ts(at), said_at=at, **fields)


@pytest.mark.parametrize("said_at, delivered_at, verdict", [
    (AT_1902, AT_1902 + timedelta(minutes=4, seconds=57), Verdict.ALERT),  # Slack retried: still inside
    (AT_1902.replace(hour=18, minute=6), AT_1902.replace(hour=18, minute=6, second=30), Verdict.ALERT),  # opens
    (AT_1902.replace(hour=18, minute=5, second=59), AT_1902.replace(hour=18, minute=7), Verdict.IGNORE),  # before
    (AT_1902.replace(minute=6), AT_1902.replace(minute=6), Verdict.IGNORE),  # the end is exclusive
    (AT_1902.replace(minute=5, second=59), AT_1902.replace(minute=40), Verdict.ALERT),  # delivered long after
])
def test_a_time_window_is_judged_when_the_message_was_posted_not_when_it_arrived(said_at, delivered_at, verdict):
    cfg = config(rule("/disk full/i", window=WINDOW))
    assert judge(said("Disk full on db-1", said_at), cfg, ME, delivered_at).verdict is verdict


def test_a_ts_later_than_now_is_a_skewed_clock_and_judged_now():
    cfg = config(rule("/disk full/i", window=WINDOW))
    late = said("disk full", AT_1902 + timedelta(hours=2))
    assert judge(late, cfg, ME, AT_1902).verdict is Verdict.ALERT
    assert late.moment(AT_1902) == AT_1902


def test_an_alerts_times_are_the_messages_own(store, slack):
    cfg = config(rule("disk", policy="db", ack_timeout_seconds=300), policies={"db": POLICY})
    take(said("disk full", AT_1902), config=cfg, me=ME, store=store, slack=slack,
                           now=AT_1902 + timedelta(minutes=4))
    (posted,) = slack.posts
    assert posted.first_seen == AT_1902
    assert posted.escalate_at == AT_1902 + timedelta(minutes=5)  # five minutes unhandled since it was posted


def test_grouping_is_judged_by_when_the_repeats_were_posted(store, slack):
    cfg = config(rule(r"disk \d+%"))
    take(said("disk 91%", AT_1902), config=cfg, me=ME, store=store, slack=slack, now=AT_1902)
    # Posted 9 minutes later but delivered 3 minutes after that: still a repeat, seen when it was posted.
    nine_later = AT_1902 + timedelta(minutes=9)
    take(said("disk 92%", nine_later), config=cfg, me=ME, store=store, slack=slack,
                           now=nine_later + timedelta(minutes=3))
    # Posted 11 minutes after that one: a new alert, however soon it arrives.
    take(said("disk 93%", nine_later + timedelta(minutes=11)), config=cfg, me=ME, store=store,
                           slack=slack, now=nine_later + timedelta(minutes=11))
    assert len(slack.posts) == 2 and slack.updates[-1].count == 2
    assert slack.updates[-1].last_seen == nine_later


def test_an_alert_keeps_a_cut_copy_of_a_huge_message(store, slack, clock):
    huge = "disk full " + "x" * 70_000
    take(message(huge), config=config(rule("disk")), me=ME, store=store, slack=slack,
                           now=clock.now())
    (posted,) = slack.posts
    assert len(posted.text) <= MAX_ALERT_TEXT and posted.text.endswith("(cut: the original message has it all)")


def test_an_edit_racing_the_unposted_original_leaves_the_post_to_the_original(store, slack, clock):
    cfg = config(rule("/outage/i"))
    with pytest.raises(ConnectionError):  # the original's worker has recorded the alert, not posted it yet
        take(message("OUTAGE in eu-west-1"), config=cfg, me=ME, store=store, slack=DyingSlack(),
                               now=clock.now())
    take(message("OUTAGE in eu-west-1 (still)", edited=True), config=cfg, me=ME, store=store,
                           slack=slack, now=clock.now())
    assert slack.posts == []
    take(message("OUTAGE in eu-west-1"), config=cfg, me=ME, store=store, slack=slack,
                           now=clock.now())  # Lambda's retry of the original delivery
    assert len(slack.posts) == 1


def test_a_repeat_counted_while_the_first_was_being_posted_is_shown_on_the_post(store, slack, clock):
    cfg = config(rule(r"latency \d+ms"))

    class BusySlack(FakeSlack):
        def post_alert(self, alert):
            # The repeat's worker runs while this post is on its way: it finds nothing posted to update.
            take(message("latency 1024ms", ts="1800000001.000100"), config=cfg, me=ME, store=store,
                                   slack=self, now=clock.now())
            assert not self.updates
            return super().post_alert(alert)

    busy = BusySlack()
    take(message("latency 812ms"), config=cfg, me=ME, store=store, slack=busy, now=clock.now())
    assert len(busy.posts) == 1 and busy.updates[-1].count == 2
