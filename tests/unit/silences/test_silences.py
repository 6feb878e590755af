"""Silences over time: active, expired early, listed, and covering message and webhook alerts alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.external import Severity
from klaxon.alerts.model import Alert, ExternalOrigin, SlackMessageOrigin
from klaxon.silences.matchers import SilenceError, parse_matchers
from klaxon.silences.model import (
    Silence,
    Silencer,
    alert_facts,
    covering,
    host_mute,
    host_mutes,
    listed,
    muted_host,
)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def silence(written: str, *, hours: float = 2, at: datetime = NOW) -> Silence:
    return Silence.create(parse_matchers(written), now=at, lasting=timedelta(hours=hours), by="U1",
                          comment="maintenance")


def test_a_silence_holds_from_its_start_until_its_end_and_not_a_moment_longer() -> None:
    quiet = silence("host=db-7")
    facts = {"host": "db-7"}
    assert quiet.covers(facts, NOW) and quiet.covers(facts, NOW + timedelta(hours=1, minutes=59))
    assert not quiet.covers(facts, NOW + timedelta(hours=2))
    assert not quiet.covers(facts, NOW - timedelta(seconds=1))


def test_expiring_a_silence_ends_it_now_and_keeps_who_did() -> None:
    quiet = silence("host=db-7")
    ended = quiet.expired("U2", NOW + timedelta(minutes=5))
    assert (ended.ends_at, ended.expired_by) == (NOW + timedelta(minutes=5), "U2")
    assert not ended.covers({"host": "db-7"}, NOW + timedelta(minutes=5))
    assert ended.expired("U3", NOW + timedelta(minutes=6)) == ended  # already over: unchanged


@pytest.mark.parametrize("hours", [0, -1, 24 * 30 + 1])
def test_a_silence_lasts_a_positive_time_of_at_most_thirty_days(hours: float) -> None:
    with pytest.raises(SilenceError, match="at most 30d"):
        silence("host=db-7", hours=hours)


def test_a_long_comment_is_refused() -> None:
    with pytest.raises(SilenceError, match="comment"):
        Silence.create(parse_matchers("host=x"), now=NOW, lasting=timedelta(hours=1), by="U1", comment="x" * 301)


def test_the_covering_silence_is_the_one_that_ends_last() -> None:
    short, long, other = silence("host=db-7", hours=1), silence("source=gcp", hours=3), silence("host=db-8", hours=9)
    facts = {"host": "db-7", "source": "gcp"}
    assert covering([short, long, other], facts, NOW) == long
    assert covering([other], facts, NOW) is None


def test_list_shows_active_ones_ending_soonest_first_then_those_ended_within_a_day() -> None:
    later = NOW + timedelta(hours=3)
    ending, lasting = silence("a=1", hours=4), silence("b=1", hours=5)
    just_ended, long_ago = silence("c=1", hours=2), silence("d=1", hours=1, at=NOW - timedelta(days=2))
    assert listed([lasting, long_ago, just_ended, ending], later) == [ending, lasting, just_ended]


def external(*, host: str | None = "db-7", labels: dict[str, str] | None = None, rule_id: str | None = None) -> Alert:
    origin = ExternalOrigin(source="alertmanager", dedup_key="f1", host=host, severity=Severity.CRITICAL,
                            labels=labels if labels is not None else {"team": "storage"})
    return Alert(id="alertmanager:f1:1", origin=origin, text="DiskFull\n98% used", label="", target_channel="C1",
                 fingerprint="f1", first_seen=NOW, rule_id=rule_id)


def from_message(text: str = "disk full on db-7") -> Alert:
    return Alert(id="C1/1.0", origin=SlackMessageOrigin(channel="C1", ts="1.0", poster="B1"), text=text, label="",
                 target_channel="C2", fingerprint="fp", first_seen=NOW, rule_id="r-1")


def test_a_webhook_alert_is_matched_on_its_labels_source_host_severity_and_text() -> None:
    facts = alert_facts(external())
    assert facts == {"team": "storage", "source": "alertmanager", "text": "DiskFull\n98% used", "host": "db-7",
                     "severity": "critical"}
    assert covering([silence('source=alertmanager, text=~"98%", severity!=info')], facts, NOW)


def test_the_alert_s_own_facts_win_over_labels_of_the_same_name() -> None:
    labelled = alert_facts(external(labels={"source": "gcp", "host": "db-8", "text": "forged"}))
    assert (labelled["source"], labelled["host"], labelled["text"]) == ("alertmanager", "db-7", "DiskFull\n98% used")
    unnamed = alert_facts(external(host=None, labels={"host": "db-8"}))
    assert unnamed["host"] == "db-8"  # a label fills in what the alert does not say


def test_a_message_alert_is_matched_as_from_slack() -> None:
    facts = alert_facts(from_message())
    assert facts == {"source": "slack", "channel": "C1", "poster": "B1", "text": "disk full on db-7", "rule": "r-1"}
    assert covering([silence('source=slack, text=~"disk full", rule=r-1')], facts, NOW)
    assert not covering([silence("source=gcp")], facts, NOW)


def test_the_silencer_reads_silences_once_and_only_when_asked() -> None:
    reads: list[int] = []

    def read() -> list[Silence]:
        reads.append(1)
        return [silence("host=db-7")]

    silencer = Silencer(read)
    assert reads == []
    assert silencer.silencing(external(), NOW) == silencer.silences[0].id
    assert silencer.silencing(from_message(), NOW) is None
    assert silencer.silencing(external(), NOW + timedelta(hours=2)) is None, "expiry is checked when judging"
    assert reads == [1]


def test_a_host_mute_is_a_silence_of_one_host_matcher() -> None:
    mute = host_mute("db-7", now=NOW, lasting=timedelta(hours=2), by="U1")
    assert [str(m) for m in mute.matchers] == ['host="db-7"'] and muted_host(mute) == "db-7"
    assert mute.covers(alert_facts(external()), NOW)
    assert muted_host(silence("host=db-7, severity=critical")) is None
    assert muted_host(silence("host!=db-7")) is None and muted_host(silence('host=~"db-.*"')) is None


def test_host_mutes_in_force_are_the_latest_ending_per_host() -> None:
    short = host_mute("db-7", now=NOW, lasting=timedelta(hours=1), by="U1")
    long = host_mute("db-7", now=NOW, lasting=timedelta(hours=3), by="U1")
    ended = host_mute("web-1", now=NOW - timedelta(hours=2), lasting=timedelta(hours=1), by="U1")
    assert host_mutes([short, long, ended, silence("source=gcp")], NOW) == {"db-7": long}
