"""Silences at work, on the fakes wired as the functions wire them: `/klaxon silence` adds one, message alerts
and webhook alerts alike are judged against it when they arrive - recorded, neither posted nor paged - expiry
(by time or `silence expire`) lets the next one through, and /klaxon report counts what was held back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.alerts.external import ExternalEvent, ExternalStatus, Severity
from klaxon.alerts.lifecycle import Change
from klaxon.configuration.model import Configuration
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.rules import Rule
from tests.desk import ADMIN, GUEST, INCIDENTS, T0, Desk

DISK_RULE = Rule.create(pattern="disk", target_channel=INCIDENTS, policy="db", ack_timeout_seconds=300)
CONFIG = Configuration(version=1, rules=(DISK_RULE,), policies={"db": EscalationPolicy("db", (Level(("U0BOB",)),))})


class SilenceDesk(Desk):
    def webhook_alert(self, *, status: ExternalStatus = ExternalStatus.FIRING, key: str = "disk-db-7"):
        """Alertmanager's DiskFull on db-7 (critical, team storage), as the intake took it."""
        event = ExternalEvent("alertmanager", key, status, "DiskFull on db-7", host="db-7", severity=Severity.CRITICAL,
                              labels={"alertname": "DiskFull", "team": "storage"}, occurred_at=self.clock.now())
        (taken,) = self.webhook(event)
        return taken


def counted(desk: SilenceDesk, alert_id: str) -> int:
    """The alert's count as a redraw would draw it (a silenced alert's post is never drawn: its repeats are
    counted all the same)."""
    alert = desk.store.alerts.claim_redraw(alert_id, desk.clock.now(), until=desk.clock.now())
    assert alert is not None
    return alert.count


@pytest.fixture
def desk() -> SilenceDesk:
    return SilenceDesk(CONFIG)


# ------------------------------------------------------------------------------------------------ every operator
@pytest.mark.parametrize(("matchers", "silenced"), [
    ("source=slack", True), ("source!=slack", False),
    ("channel=C0ALERTS", True), ("channel!=C0ALERTS", False),
    ('text=~"disk full"', True), ('text!~"disk full"', False), ('text=~"cpu"', False), ('text!~"cpu"', True),
    (f"rule={DISK_RULE.id}", True), ('poster=~"B0.*"', True), ("poster=B0OTHER", False),
    ('host=""', True),  # a message alert has no host: the empty value, as in Alertmanager
])
def test_a_message_alert_is_silenced_exactly_when_every_matcher_holds(desk, matchers, silenced):
    assert desk.klaxon(f"silence {matchers} for 1h").ok
    alert = desk.message()
    assert (alert.silenced_by is not None) is silenced
    assert len(desk.slack.posts) == (0 if silenced else 1)


@pytest.mark.parametrize(("matchers", "silenced"), [
    ("host=db-7", True), ("host!=db-7", False), ("host=db-8", False),
    ('alertname=~"Disk.*"', True), ('alertname=~"Disk"', False), ('alertname!~"Disk.*"', False),
    ('alertname!~"CPU.*"', True), ("severity!=info", True), ("severity=info", False),
    ("source=alertmanager, team=storage", True), ("source=alertmanager, team=payments", False),
    ('text=~"DiskFull"', True), ('team=""', False),
])
def test_a_webhook_alert_is_silenced_exactly_when_every_matcher_holds(desk, matchers, silenced):
    assert desk.klaxon(f"silence {matchers} for 1h").ok
    taken = desk.webhook_alert()
    assert taken.change is Change.NEW and (taken.alert.silenced_by is not None) is silenced
    assert len(desk.slack.posts) == (0 if silenced else 1)


# ------------------------------------------------------------------------------------------------ recorded, not paged
def test_a_silenced_alert_is_recorded_and_counted_but_neither_posted_nor_paged(desk):
    desk.klaxon('silence host=db-7 for 2h comment "disk swap"')
    first = desk.webhook_alert()
    desk.clock.advance(minutes=1)
    again = desk.webhook_alert()
    silenced_message = desk.message()

    assert (first.change, again.change) == (Change.NEW, Change.REPEAT) and counted(desk, first.alert.id) == 2
    assert silenced_message.silenced_by is None and len(desk.slack.posts) == 1, "the message has no host"
    assert desk.store.pages.timers.keys() == {silenced_message.id}, "only the posted alert will page"
    desk.clock.advance(minutes=6)
    desk.sweep()
    assert [page.alert_id for page in desk.store.pages.pages.values()] == [silenced_message.id]
    report = desk.klaxon("report", actor=GUEST)
    assert f":no_bell: *1 alert silenced* in the last 24h (recorded, not posted): `{first.alert.silenced_by}` 1" \
           in report.text


def test_a_silence_ending_lets_the_next_repeat_through_as_an_alert_of_its_own(desk):
    desk.klaxon("silence source=slack for 10m")
    quiet = desk.message()
    desk.clock.advance(minutes=5)
    repeated = desk.message()
    desk.clock.advance(minutes=5)  # the silence ends now: expiry is checked when judging
    posted = desk.message()

    assert quiet.silenced_by and repeated.id == quiet.id and counted(desk, quiet.id) == 2
    assert posted.id != quiet.id and posted.silenced_by is None
    assert [alert.id for alert in desk.slack.posts] == [posted.id]


def test_expiring_a_silence_early_lets_the_next_webhook_firing_through(desk):
    silence_id = desk.klaxon("silence host=db-7 for 2h").text.split("`")[1]
    held_back = desk.webhook_alert()
    desk.clock.advance(minutes=3)
    assert desk.klaxon(f"silence expire {silence_id}").ok
    desk.clock.advance(seconds=1)
    through = desk.webhook_alert()

    assert held_back.alert.silenced_by == silence_id and [a.id for a in desk.slack.posts] == [through.alert.id]
    assert through.change is Change.NEW and through.alert.id != held_back.alert.id
    desk.clock.advance(minutes=1)
    resolved = desk.webhook_alert(status=ExternalStatus.RESOLVED)
    assert resolved.alert.id == through.alert.id, "the source's resolve closes the alert it can see"


def test_a_silence_set_after_an_alert_was_posted_stops_its_page(desk):
    alert = desk.message()
    desk.clock.advance(minutes=2)
    silence_id = desk.klaxon("silence channel=C0ALERTS for 1h").text.split("`")[1]
    desk.clock.advance(minutes=4)
    desk.sweep()

    assert desk.store.pages.pages == {} and desk.slack.pages_sent == []
    (note,) = desk.slack.notes
    assert note[:2] == (INCIDENTS, alert.post_ts) and f"silence `{silence_id}` covers it now" in note[2]


# ------------------------------------------------------------------------------------------------ the commands
def test_a_silence_is_listed_with_who_why_and_when_it_ends_and_stays_listed_a_day_after(desk):
    added = desk.klaxon('silence host=db-7, severity!=info for 2h comment "disk swap"')
    silence_id = added.text.split("`")[1]
    assert added.ok and 'host="db-7", severity!="info"' in added.text

    listed = desk.klaxon("silence list", actor=GUEST).text
    assert f'• `{silence_id}` host="db-7", severity!="info" · until <!date^' in listed
    assert f"by <@{ADMIN}> · “disk swap”" in listed and listed.startswith("*1 silence in force*")
    desk.klaxon(f"silence expire {silence_id}")
    ended = desk.klaxon("silence list", actor=GUEST).text
    assert "*Ended in the last day:*" in ended and f"expired by <@{ADMIN}>" in ended
    desk.clock.advance(days=1, minutes=1)
    assert desk.klaxon("silence list", actor=GUEST).text.startswith("No silences")


def test_silence_changes_are_admin_only_and_audited(desk):
    refused = desk.klaxon("silence host=db-7 for 2h", actor=GUEST)
    assert not refused.ok and "only Klaxon admins" in refused.text and desk.store.silences.silences == {}

    silence_id = desk.klaxon("silence host=db-7 for 2h").text.split("`")[1]
    assert not desk.klaxon(f"silence expire {silence_id}", actor=GUEST).ok
    desk.klaxon(f"silence expire {silence_id}")
    expired, added = desk.store.configuration.entries
    assert (added.action, added.actor, added.after["matchers"]) == ("silence add", ADMIN, ['host="db-7"'])
    assert expired.action == "silence expire" and expired.after["expired_by"] == ADMIN
    assert expired.before["ends_at"] == (T0 + timedelta(hours=2)).isoformat()
    assert desk.store.configuration.snapshot == CONFIG, "a silence is no configuration change"
    assert f"silence `{silence_id}`" in desk.klaxon("audit").text


def test_a_for_inside_quotes_is_part_of_the_matcher(desk):
    reply = desk.klaxon('silence text=~"time for a reboot" for 30m comment "patching for CVE"')
    (silence,) = desk.store.silences.silences.values()
    assert reply.ok and silence.matchers[0].value == "time for a reboot" and silence.comment == "patching for CVE"
    assert silence.ends_at == T0 + timedelta(minutes=30)


def test_slack_s_escaping_and_links_are_read_as_typed(desk):
    desk.klaxon("silence channel=<#C0ALERTS|alerts>, host=<http://db-7.example.com|db-7.example.com>, "
                'text=~"a &lt; b &amp;&amp; c &gt; d" for 1h')
    (silence,) = desk.store.silences.silences.values()
    assert [str(m) for m in silence.matchers] == ['channel="C0ALERTS"', 'host="db-7.example.com"',
                                                  'text=~"a < b && c > d"']


@pytest.mark.parametrize(("text", "problem"), [
    ("silence", "a silence needs at least one matcher"),
    ("silence host=db-7", 'a silence needs "for <duration>"'),
    ("silence for 2h", "at least one matcher"),
    ("silence host db-7 for 2h", "expected =, !=, =~ or !~ after `host`"),
    ('silence alertname=~"Disk(" for 2h', "the regex of `alertname` does not compile"),
    ("silence host=db-7 for ever", '"ever" is not a duration'),
    ("silence host=db-7 for 31d", "a silence lasts at most 30d"),
    ("silence host=db-7 for 2h because", 'unexpected "because"'),
    ("silence host=db-7, for 2h", "a matcher is missing after the last comma"),
    ('silence host="db-7 for 2h', "missing its closing quote"),
    ("silence host=db-7 for 2h comment " + '"' + "x" * 301 + '"', "comment is longer than 300"),
    ("silence expire", "a silence id is missing"),
    ("silence expire 42", 'is not a silence id such as s-3fa2c1'),
    ("silence expire s-000000", "there is no silence `s-000000`"),
])
def test_a_bad_silence_is_refused_naming_the_problem_and_nothing_is_written(desk, text, problem):
    desk.refused(text, problem)
    assert desk.store.silences.silences == {} and desk.store.configuration.entries == []


def test_a_silence_that_has_ended_cannot_be_expired_again(desk):
    silence_id = desk.klaxon("silence host=db-7 for 1h").text.split("`")[1]
    desk.clock.advance(hours=1)
    desk.refused(f"silence expire {silence_id}", "has already ended")
    assert len(desk.store.configuration.entries) == 1
