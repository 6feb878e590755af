"""Digests count exactly and every incidents channel gets its own (issue 14, item 5): on the in-memory fakes.

The issue's inputs: 5,000 unacknowledged alerts must not be told as "500 … and 440 more"; a channel whose few
unacknowledged alerts are newer than 500 older ones elsewhere must get its digest. /klaxon report agrees.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.models.blocks import SectionBlock

from klaxon.alerts.judging import Identity
from klaxon.alerts.model import BUTTON, Alert, HandledMark, SlackMessageOrigin
from klaxon.commands.editing import Invocation
from klaxon.commands.report import ReportShown
from klaxon.commands.service import run_command
from klaxon.configuration.model import Configuration, Preferences
from klaxon.slack.renderers.commands import reply
from klaxon.slack.renderers.digests import REPORT_LISTED, digest_blocks, digest_fallback, reminder_text
from klaxon.sweep import SweepContext, sweep
from tests.fakes import FakeDirectory, wired

INCIDENTS, PAYMENTS, OPS = "C0INCIDENT", "C0PAYMENTS", "C0OPS"
SLACK_BLOCKS, SECTION_CHARS = 50, 3000  # a message's blocks, a section's text (Slack's limits)


def stored(store, clock, channel, how_many, *, minutes_ago=60, handled=False):
    """`how_many` alerts to `channel`, first seen `minutes_ago` (one a second before that, going back), its
    channel enlisted as posting one would; handled by Alice if `handled`."""
    for n in range(how_many):
        seen = clock.now() - timedelta(minutes=minutes_ago, seconds=n)
        alert = Alert(id=f"{channel}/{n}", origin=SlackMessageOrigin("C0ALERTS", f"{n}.1", "B0DATADOG"),
                      text=f"disk {n % 100}% on db-{n}", label="[Disk]", target_channel=channel,
                      fingerprint=f"{channel}{n}", first_seen=seen, post_ts=f"{n}.2",
                      marks=(HandledMark("U0ALICE", BUTTON, seen + timedelta(seconds=30)),) if handled else ())
        store.alerts.alerts[alert.id] = alert
    store.digests.enlist(channel)


def run(store, slack, clock, **preferences):
    config = Configuration(version=1, preferences=Preferences(digest_after_seconds=900, **preferences))
    return sweep(SweepContext(store=store, slack=slack, directory=FakeDirectory(), config=config, now=clock.now(),
                              publish=wired(store, slack, clock, config).publish))


def section_texts(blocks):
    return [block.text.text for block in blocks if isinstance(block, SectionBlock) and block.text]


def report(store, slack, clock, **preferences):
    """/klaxon report's answer, and its text as Slack shows it to whoever asked."""
    config = Configuration(version=1, preferences=Preferences(digest_after_seconds=900, **preferences))
    console = wired(store, slack, clock, config).console(Identity("U0KLAXON", "B0K", None))
    answer = run_command(Invocation(text="report", actor="U0BOB", channel="C0ALERTS"), console)
    assert isinstance(answer, ReportShown)
    return answer, reply(answer).text


def test_5000_unacknowledged_alerts_are_counted_as_5000_and_the_list_stays_within_slacks_limits(
        store, slack, clock):
    stored(store, clock, INCIDENTS, 5000)

    run(store, slack, clock)

    (digest,) = slack.digests
    assert digest.open_total == 5000 and len(digest.unacknowledged) == 60
    assert digest_fallback(digest) == "5000 alerts nobody has acknowledged"
    blocks = digest_blocks(digest)
    texts = section_texts(blocks)
    assert texts[0].startswith(":rotating_light: *5000 alerts nobody has acknowledged*"), "not 500"
    assert texts[-1].endswith("…and 4940 more"), "not …and 440 more"
    assert len(blocks) <= SLACK_BLOCKS and all(len(text) <= SECTION_CHARS for text in texts)
    assert "disk 0% on db-0" not in "\n".join(texts) and "db-4999" in texts[1], "the oldest are listed first"


@pytest.mark.parametrize("many", [60, 61, 500, 501, 12_000])
def test_the_count_is_true_at_every_size_around_a_page(store, slack, clock, many):
    stored(store, clock, INCIDENTS, many)

    run(store, slack, clock)

    (digest,) = slack.digests
    texts = section_texts(digest_blocks(digest))
    assert digest.open_total == many and digest_fallback(digest) == f"{many} alerts nobody has acknowledged"
    assert texts[0].startswith(f":rotating_light: *{many} alerts")
    if many <= 60:
        assert not any("…and" in text for text in texts) and sum(t.count("\n• ") + t.startswith("• ")
                                                                 for t in texts) == many
    else:
        assert texts[-1].endswith(f"…and {many - 60} more")


def test_a_channel_whose_few_alerts_are_newer_than_500_older_ones_elsewhere_gets_its_digest(store, slack, clock):
    stored(store, clock, INCIDENTS, 500, minutes_ago=120)
    stored(store, clock, PAYMENTS, 3, minutes_ago=20)

    run(store, slack, clock)

    by_channel = {digest.channel: digest for digest in slack.digests}
    assert by_channel.keys() == {INCIDENTS, PAYMENTS}
    assert by_channel[PAYMENTS].open_total == 3 and len(by_channel[PAYMENTS].unacknowledged) == 3
    assert by_channel[INCIDENTS].open_total == 500


def test_each_channel_counts_only_its_own_and_a_channel_with_nothing_gets_no_digest(store, slack, clock):
    stored(store, clock, INCIDENTS, 70)
    stored(store, clock, PAYMENTS, 2)
    stored(store, clock, OPS, 4, handled=True)

    run(store, slack, clock)

    assert {digest.channel: digest.open_total for digest in slack.digests} == {INCIDENTS: 70, PAYMENTS: 2}


def test_the_verbose_digest_counts_the_handled_ones_too(store, slack, clock):
    stored(store, clock, INCIDENTS, 3)
    stored(store, clock, OPS, 130, handled=True)

    run(store, slack, clock, verbose_digest=True)

    ops = next(digest for digest in slack.digests if digest.channel == OPS)
    texts = section_texts(digest_blocks(ops))
    assert ops.handled_total == 130 and len(ops.handled) == 60
    assert "*Handled in the last 24h:* 130" in texts and texts[-1].endswith("…and 70 more")


def test_the_report_agrees_with_the_digests(store, slack, clock):
    stored(store, clock, INCIDENTS, 5000, minutes_ago=120)
    stored(store, clock, PAYMENTS, 3, minutes_ago=20)
    run(store, slack, clock)

    answer, text = report(store, slack, clock)

    assert [(d.channel, d.open_total, d.unacknowledged) for d in answer.digests] == \
        [(d.channel, d.open_total, d.unacknowledged) for d in sorted(slack.digests, key=lambda d: d.channel)]
    lines = text.splitlines()
    assert lines[0] == ":rotating_light: *5003 alerts nobody has acknowledged* for over 15m"
    assert f"…and {5000 - REPORT_LISTED} more in <#{INCIDENTS}>" in lines
    assert sum(line.startswith(f"• <#{PAYMENTS}>") for line in lines) == 3, "the small channel is there too"


def test_the_reminder_counts_every_open_alert(store, slack, clock):
    stored(store, clock, INCIDENTS, 700)
    stored(store, clock, PAYMENTS, 5)
    run_at_reminder = {"reminder_channel": "C0REMIND", "reminder_hours": (f"{clock.now():%H:%M}",),
                       "reminder_zone": "UTC"}

    run(store, slack, clock, **run_at_reminder)

    ((channel, listing),) = slack.reminders
    assert channel == "C0REMIND" and listing.total == 705 and len(listing.alerts) == 60
    assert reminder_text(listing) == "705 alerts nobody has handled"
    assert listing.alerts[0].first_seen == min(alert.first_seen for alert in store.alerts.alerts.values())
