"""Configuration as code, round trip: everything a team configures - rules, channel defaults, every setting,
policies and where they page, keyword replies, the silences in force and muted hosts - exported, imported into
an empty stack and exported again gives the same document; and an import is all or nothing, and bounded."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaxon.alerts.external import SOURCES
from klaxon.configuration.as_code import MAX_SILENCES, RulesAsCodeError, export_yaml, import_yaml
from klaxon.configuration.model import EVERY_CHANNEL, Configuration, InsufficientData, Preferences
from klaxon.incidents.keywords import KeywordReply
from klaxon.markup import escaped
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.rules import Action, ChannelDefault, ClockPattern, Rule, TimeWindow, WeeklyHours
from klaxon.silences.matchers import Matcher, Operator, parse_matchers
from klaxon.silences.model import Silence, muted_host
from tests.desk import ALERTS, GUEST, HOSTS, INCIDENTS, MONITORING, PAYMENTS, T0, Desk

# Everything a team configures, as admins type it.
TYPED = [
    "policy set db level @bob after 5m; level <!subteam^S0LEADS|@leads> after 2m; repeat 2",
    "policy set quiet level @admin",
    'rule add /disk (full|\\d+%)/i to #incidents label "[Disk]" when mon-fri 09:00-18:00 Asia/Tokyo in #alerts '
    'from @bob hotline @bob @here policy db ack-timeout 2m name "Disk filling"',
    "rule add checkout to #payments from webhook:generic",
    'rule add /deploy (started|finished)/ to #incidents suppress',
    "rule add flapping to #incidents when not sat-sun 00:00-23:59 Europe/Paris",
    "channel #alerts default ack",
    "channel #monitoring default alert",
    "settings handled-reactions white_check_mark +1",
    "settings digest-after 30m",
    "settings verbose on",
    "settings reminder-channel #incidents",
    "settings reminder-hours 09:00 17:30 Asia/Tokyo",
    "settings reconcile-limit 7",
    "settings grouping-window 20m",
    "settings paging-channels #alerts #monitoring",
    'settings dm-reply "Page us with @klaxon in #alerts"',
    "settings source-channel gcp #monitoring",
    "settings source-policy gcp db ack-timeout 3m",
    "settings insufficient-data fire",
    "settings host-board #hosts",
    "settings host-board-every 10m",
    "settings incident-paging 1",
    "settings incident-reminders no-lead 10m",
    "settings incident-reminders no-severity 7m",
    "settings incident-reminders no-update 20m 3h",
    "settings incident-reminders break 4h",
    "settings incident-reminders close-hours 10:00 17:00 Europe/London",
    "settings incident-reminders times 5",
    "policy use db in #alerts",
    "policy use quiet default",
    'keyword add "runbook" reply "Runbooks: https://wiki.example/runbooks"',
    'silence host=db-7, severity!=info for 2h comment "disk swap"',
    'silence alertname=~"Disk.*", source=alertmanager for 30m',
    "hosts mute web-3 for 6h",
]


def configured() -> Desk:
    """A stack with everything configured: through /klaxon, and (for the unmatched alerts' channel and label,
    which only a file sets) through an import."""
    desk = Desk()
    for text in TYPED:
        answer = desk.klaxon(text)
        assert answer.ok, f"{text}: {answer.text}"
    config = desk.store.configuration.snapshot
    desk.store.configuration.snapshot = replace(config, preferences=replace(
        config.preferences, unmatched_channel=MONITORING, unmatched_label="[Unknown]"))
    return desk


def exported(desk: Desk) -> str:
    """`/klaxon export`, as the text Slack shows (the YAML in a code block)."""
    answer = desk.klaxon("export", actor=GUEST)  # anyone may export
    assert answer.ok and len(answer.messages) == 1
    return answer.text.removeprefix("```").removesuffix("```")


def test_everything_configured_round_trips_through_an_empty_stack():
    first = exported(configured())

    empty = Desk()
    answer = empty.klaxon(f"import yaml ```{first}```")
    assert answer.ok, answer.text

    assert exported(empty) == first
    assert "restored 3 silences" in answer.text


def test_the_round_trip_covers_every_setting_there_is():
    """A setting added later without being configured here would round-trip untested: this says so."""
    preferences = configured().store.configuration.snapshot.preferences
    untouched = [f.name for f in fields(Preferences) if getattr(preferences, f.name) == getattr(Preferences(), f.name)]
    assert untouched == []


def test_what_the_restored_stack_does_is_what_the_first_did():
    first = configured()
    empty = Desk()
    empty.klaxon(f"import yaml ```{exported(first)}```")

    assert empty.store.configuration.snapshot.rules == first.store.configuration.snapshot.rules
    assert empty.klaxon("hosts muted").text == first.klaxon("hosts muted").text
    assert empty.klaxon("silence list").text == first.klaxon("silence list").text
    assert {muted_host(s) for s in empty.store.silences.silences.values()} == {None, "web-3"}


def test_ended_silences_are_not_exported_and_an_import_restores_only_those_still_to_come():
    desk = configured()
    (mute,) = [s for s in desk.store.silences.silences.values() if muted_host(s)]
    desk.klaxon(f"silence expire {mute.id}")
    text = exported(desk)
    assert mute.id not in text, "ended early: not in force"

    later = Desk()
    later.clock.advance(hours=1)  # the 30-minute silence is over by now
    answer = later.klaxon(f"import yaml ```{text}```")

    assert answer.ok and "restored 1 silence (left out: 1 silence that had ended)" in answer.text
    (restored,) = later.store.silences.silences.values()
    assert str(restored.matchers[0]) == 'host="db-7"'


def test_importing_twice_keeps_the_silences_already_here_as_they_are():
    desk = configured()
    text = exported(desk)

    again = desk.klaxon(f"import yaml ```{text}```")

    assert again.ok and "restored 0 silences (left out: 3 silences already here)" in again.text
    assert len(desk.store.silences.silences) == 3


def silence_document(n: int, **changes: str) -> str:
    fields_ = {"id": f"s-{n:06x}", "matchers": "host=db-7", "starts_at": T0.isoformat(),
               "ends_at": (T0 + timedelta(hours=1)).isoformat(), "created_by": "U0ADMIN", **changes}
    return "- " + "\n  ".join(f"{key}: {json.dumps(value)}" for key, value in fields_.items())  # JSON is YAML


@pytest.mark.parametrize("bad, problem", [
    ({"matchers": 'host=~"('}, "silences[1]: "),
    ({"ends_at": (T0 + timedelta(days=31)).isoformat()}, "silences[1]: a silence lasts at most 30d"),
    ({"ends_at": "2026-11-29T11:00:00"}, "silences[1]: 2026-11-29T11:00:00 has no time zone"),
    ({"id": "s-nothex"}, "silences[1]: 's-nothex' is not a silence id"),
    ({"id": "s-000000"}, "two silences share the id s-000000"),
])
def test_a_file_with_a_bad_silence_changes_nothing_at_all(bad, problem):
    desk = Desk()
    text = "\n".join(["klaxon: 1", "rules: [{id: r-1, pattern: disk, to: C0INCIDENT}]", "silences:",
                      silence_document(0), silence_document(1, **bad)])

    answer = desk.klaxon(f"import yaml ```{text}```")

    assert not answer.ok and problem in answer.text, answer.text
    assert desk.store.configuration.snapshot == Configuration() and desk.store.silences.silences == {}
    assert desk.store.configuration.entries == [], "nothing audited: nothing was written"


@pytest.mark.parametrize("naming", [
    "rules: [{id: r-1, pattern: disk, to: C0INCIDENT, policy: db}]",
    "paging: {channels: {C0ALERTS: db}}",
    "paging: {default: db}",
    "settings: {source_policies: {gcp: db}}",
])
def test_a_file_naming_a_policy_it_does_not_define_changes_nothing(naming):
    """Each place a policy is named (those `/klaxon policy delete` guards): naming none would page nobody."""
    desk = Desk()

    answer = desk.klaxon(f"import yaml ```klaxon: 1\n{naming}```")

    assert not answer.ok and "policy `db` is used but not defined under policies" in answer.text, answer.text
    assert desk.store.configuration.snapshot == Configuration() and desk.store.configuration.entries == []


def test_a_file_restoring_more_silences_than_one_commit_holds_is_refused_before_any_is_built():
    text = "\n".join(["klaxon: 1", "silences:", *(silence_document(n) for n in range(MAX_SILENCES + 1))])

    with pytest.raises(RulesAsCodeError, match=f"silences: an import restores at most {MAX_SILENCES}, not 91"):
        import_yaml(text)


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_text_with_a_unicode_line_separator_reads_back_as_itself(separator):
    """The property below found it: PyYAML wrote `unmatched_label: '\x85'` in single quotes and read it back as
    a space. Labels, replies and comments come from people, who paste such things."""
    silence = Silence.restored("s-000001", parse_matchers("host=db-7"), starts_at=T0, ends_at=T0 + timedelta(hours=1),
                               by="U0ADMIN", comment=f"swap{separator}")
    config = Configuration(preferences=replace(Preferences(), unmatched_label=separator, dm_reply=f"a{separator}b"))

    imported = import_yaml(export_yaml(config, [silence]))

    assert imported.preferences == config.preferences and imported.silences == (silence,)


@pytest.mark.parametrize("space", ["\xa0", "\u3000", "\u2003", " "])
def test_text_beginning_or_ending_in_a_space_survives_a_paste_that_trims_the_ends(space):
    """The property below found it: a comment of one no-break space was written plain at the end of the
    export, and the paste's trimmed ends (as an editor's, or Slack's) made it no comment at all."""
    desk = Desk()
    desk.store.silences.silences = {"s-000001": Silence.restored(
        "s-000001", parse_matchers("host=db-7"), starts_at=T0, ends_at=T0 + timedelta(hours=1), by="U0ADMIN",
        comment=space)}
    desk.store.configuration.snapshot = Configuration(preferences=replace(
        Preferences(), unmatched_label=f"{space}[Unknown]", dm_reply=f"ask us{space}"))
    document = exported(desk)

    empty = Desk()
    assert empty.klaxon(f"import yaml ```{document.rstrip()}```").ok

    assert empty.store.configuration.snapshot.preferences == desk.store.configuration.snapshot.preferences
    assert empty.store.silences.silences == desk.store.silences.silences


# ------------------------------------------------------------------------------------------------ property
CHANNELS = st.sampled_from([ALERTS, INCIDENTS, MONITORING, PAYMENTS, HOSTS])
SECONDS = st.integers(1, 7 * 86_400)
CLOCK = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
ZONES = st.sampled_from(["UTC", "Asia/Tokyo", "Europe/Paris", "America/New_York"])
CLOSE_HOURS = st.tuples(CLOCK, CLOCK).filter(lambda hours: hours[0] < hours[1])
POLICY_NAMES = ["db", "quiet", "night-shift"]
# What people type and paste: any text but control characters (which Slack does not deliver in a command).
TYPED_TEXT = st.characters(blacklist_categories=("Cc", "Cs"))
ONE_LINE = st.text(TYPED_TEXT, min_size=1, max_size=30).filter(str.strip)


def _unique[T](elements: st.SearchStrategy[T], max_size: int = 3) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(elements, max_size=max_size, unique=True).map(tuple)


def _preferences(policies: list[str]) -> st.SearchStrategy[Preferences]:
    """Any settings there are; a source pages only a policy the configuration defines (as an import demands)."""
    policy = st.sampled_from(policies) if policies else st.nothing()
    return st.builds(
        Preferences,
        handled_reactions=st.lists(st.sampled_from(["white_check_mark", "+1", "eyes", "heavy_check_mark"]),
                                   min_size=1, max_size=3, unique=True).map(tuple),
        grouping_window_seconds=st.integers(0, 86_400), digest_after_seconds=SECONDS, verbose_digest=st.booleans(),
        reminder_channel=st.none() | CHANNELS, reminder_hours=_unique(CLOCK),
        reminder_zone=ZONES, reconcile_limit=st.integers(0, 50), unmatched_channel=st.none() | CHANNELS,
        unmatched_label=ONE_LINE, paging_channels=_unique(CHANNELS), dm_reply=st.none() | ONE_LINE,
        source_channels=st.dictionaries(st.sampled_from(SOURCES), CHANNELS),
        source_policies=st.dictionaries(st.sampled_from(SOURCES), policy),
        source_ack_timeouts=st.dictionaries(st.sampled_from(SOURCES), SECONDS),
        insufficient_data=st.sampled_from(InsufficientData),
        host_board_channels=_unique(CHANNELS), host_board_every_seconds=st.integers(1, 86_400),
        incident_paging_severity=st.none() | st.integers(1, 4), incident_no_lead_seconds=SECONDS,
        incident_no_severity_seconds=SECONDS, incident_no_update_severe_seconds=SECONDS,
        incident_no_update_seconds=SECONDS, incident_break_seconds=SECONDS, incident_close_hours=CLOSE_HOURS,
        incident_zone=ZONES, incident_reminder_times=st.integers(0, 10),
    )


def _policy(name: str) -> st.SearchStrategy[EscalationPolicy]:
    level = st.builds(Level, st.lists(st.sampled_from(["U0BOB", "U0ADMIN", "S0LEADS"]), min_size=1, max_size=3,
                                      unique=True).map(tuple), st.integers(1, 3_600))
    return st.builds(EscalationPolicy, st.just(name), st.lists(level, min_size=1, max_size=3).map(tuple),
                     st.integers(0, 10))


WINDOWS = st.builds(
    TimeWindow,
    st.builds(lambda days, start, minutes: WeeklyHours(days, start, (start + minutes) % 1_440 or 1_440),
              st.frozensets(st.integers(0, 6), min_size=1), st.integers(0, 1_439), st.integers(1, 1_439))
    | st.builds(ClockPattern, st.sampled_from([r"2[0-9]:..:.. (Sat|Sun)", r"^2026/12/(24|25)", r"0[0-6]:"])),
    ZONES, st.booleans())


@st.composite
def _rule(draw: st.DrawFn, rule_id: str, policies: list[str]) -> Rule:
    policy = draw(st.none() | st.sampled_from(policies)) if policies else None
    return Rule(
        id=rule_id, name=draw(ONE_LINE), pattern=re.escape(draw(ONE_LINE)), ignore_case=draw(st.booleans()),
        target_channel=draw(CHANNELS), label=draw(st.just("") | ONE_LINE), window=draw(st.none() | WINDOWS),
        channels=draw(st.frozensets(CHANNELS, max_size=2)),
        posters=draw(st.frozensets(st.sampled_from(["U0BOB", "B0DATADOG", "webhook:gcp", "webhook:generic"]),
                                   max_size=2)),
        action=draw(st.sampled_from(Action)), hotline=draw(_unique(st.sampled_from(["U0BOB", "S0LEADS", "here"]))),
        policy=policy, ack_timeout_seconds=draw(st.none() | SECONDS) if policy else None,
        enabled=draw(st.booleans()), ims_matching=draw(st.booleans()))


MATCHERS = st.lists(
    st.builds(Matcher, st.sampled_from(["host", "severity", "alertname", "source", "team.name"]),
              st.sampled_from([Operator.EQUAL, Operator.NOT_EQUAL]), st.text(TYPED_TEXT, max_size=20))
    | st.builds(Matcher, st.sampled_from(["host", "text"]), st.sampled_from([Operator.MATCHES, Operator.NOT_MATCHES]),
                st.text(TYPED_TEXT, min_size=1, max_size=20).map(re.escape)),
    min_size=1, max_size=3).map(tuple)
HOST_MUTES = st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True).map(lambda host: (Matcher("host", Operator.EQUAL,
                                                                                               host),))
SILENCES = st.lists(st.builds(
    lambda n, matchers, minutes, comment: Silence.restored(
        f"s-{n:06x}", matchers, starts_at=T0 - timedelta(minutes=5), ends_at=T0 + timedelta(minutes=minutes),
        by="U0ADMIN", comment=comment),
    st.integers(0, 0xFFFFFF), HOST_MUTES | MATCHERS, st.integers(1, 30 * 1_440 - 5),
    st.text(TYPED_TEXT, max_size=40)), max_size=4, unique_by=lambda silence: silence.id)


@st.composite
def configurations(draw: st.DrawFn) -> Configuration:
    """Anything a team can configure: rules, channel defaults, every setting, policies and where they page,
    keyword replies; each reference to a policy names one that is defined."""
    names = draw(st.lists(st.sampled_from(POLICY_NAMES), unique=True))
    rule_ids = draw(st.lists(st.from_regex(r"r-[0-9a-f]{6}", fullmatch=True), max_size=4, unique=True))
    keyword_ids = draw(st.lists(st.from_regex(r"k-[0-9a-f]{6}", fullmatch=True), max_size=3, unique=True))
    return Configuration(
        rules=tuple(draw(_rule(rule_id, names)) for rule_id in rule_ids),
        channel_defaults=draw(st.dictionaries(st.sampled_from([EVERY_CHANNEL, ALERTS, MONITORING]),
                                              st.sampled_from([ChannelDefault.ACK, ChannelDefault.ALERT]))),
        preferences=draw(_preferences(names)),
        policies={name: draw(_policy(name)) for name in names},
        channel_policies=draw(st.dictionaries(CHANNELS, st.sampled_from(names))) if names else {},
        default_policy=draw(st.none() | st.sampled_from(names)) if names else None,
        keywords=tuple(KeywordReply(keyword_id, draw(ONE_LINE), draw(ONE_LINE)) for keyword_id in keyword_ids))


@settings(max_examples=60, deadline=None)
@given(config=configurations(), silences=SILENCES)
def test_any_configuration_exported_imported_into_an_empty_stack_and_exported_again_is_the_same(config, silences):
    """Export -> import into an empty stack -> export, through /klaxon as an admin types it: the same document,
    and the same configuration and silences behind it (host mutes among them)."""
    first = Desk(config)
    first.store.silences.silences = {silence.id: silence for silence in silences}
    document = exported(first)

    empty = Desk()
    answer = empty.klaxon(escaped(f"import yaml ```{document}```"))  # as Slack delivers what the admin pasted

    assert answer.ok, answer.text
    assert exported(empty) == document
    assert replace(empty.store.configuration.snapshot, version=0, stamp="") == config
    assert empty.store.silences.silences == first.store.silences.silences
