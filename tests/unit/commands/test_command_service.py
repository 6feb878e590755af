"""/klaxon on in-memory fakes: who may change what, what is written, what is said."""

from __future__ import annotations

import pytest

from klaxon.alerts.judging import Identity
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.configuration.model import ConfigurationConflict
from klaxon.ports import Person
from klaxon.rules import ChannelDefault
from klaxon.slack.renderers.commands import describe_change, reply
from tests.fakes import (
    FakeClock,
    FakeDirectory,
    InMemoryAlerts,
    InMemoryConfiguration,
    InMemoryHosts,
    InMemorySilences,
)

ADMIN, GUEST, OPS_LEAD = "U0ADMIN", "U0GUEST", "U0LEAD"
INCIDENTS, ALERTS = "C0INCIDENT", "C0ALERTS"


@pytest.fixture
def store() -> InMemoryConfiguration:
    return InMemoryConfiguration()


@pytest.fixture
def console(store: InMemoryConfiguration) -> Console:
    directory = FakeDirectory(
        channel_names={"incidents": INCIDENTS, "alerts-prod": ALERTS},
        persons={"alice": Person(ADMIN, "alice"), "guest": Person(GUEST, "guest"),
                 "datadog": Person("U0DDOG", "datadog", bot_id="B0DDOG"), "lead": Person(OPS_LEAD, "lead")},
        group_handles={"ops-leads": "S0LEADS"}, members={"S0LEADS": frozenset({OPS_LEAD})})
    return Console(configuration=store, alerts=InMemoryAlerts(), silences=InMemorySilences(store.entries),
                   hosts=InMemoryHosts(), directory=directory, clock=FakeClock(),
                   me=Identity("U0KLAXON", "B0K", None),
                   admin_users=frozenset({ADMIN}), admin_group="S0LEADS", describe=describe_change)


def run(console: Console, text: str, actor: str = ADMIN, channel: str = ALERTS):
    """The command's answer as Slack shows it (the renderer the Slack function uses)."""
    return reply(run_command(Invocation(text=text, actor=actor, channel=channel), console))


def test_an_admin_adds_a_rule_and_the_change_is_audited(console, store):
    reply = run(console, 'rule add /disk (full|\\d+%)/i to #incidents label "[Error]"')

    assert reply.ok, reply.text
    (rule,) = store.snapshot.rules
    assert (rule.pattern, rule.ignore_case, rule.target_channel, rule.label) == (r"disk (full|\d+%)", True,
                                                                                 INCIDENTS, "[Error]")
    (entry,) = store.entries
    assert entry.actor == ADMIN and entry.action == "rule add" and entry.after["id"] == rule.id
    assert rule.id in reply.text


def test_a_member_of_the_admin_group_may_change_rules(console, store):
    assert run(console, "rule add x to #incidents", actor=OPS_LEAD).ok
    assert len(store.snapshot.rules) == 1


def test_anyone_else_is_refused_and_nothing_is_written(console, store):
    reply = run(console, "rule add x to #incidents", actor=GUEST)
    assert not reply.ok and "only Klaxon admins" in reply.text
    assert store.snapshot.version == 0 and store.entries == []


def test_anyone_may_list_and_test(console, store):
    run(console, "rule add disk to #incidents")
    assert run(console, "rule list", actor=GUEST).ok
    assert "would be reposted to <#C0INCIDENT>" in run(console, "rule test disk full", actor=GUEST).text


@pytest.mark.parametrize("text, problem", [
    ("rule add ( to #incidents", "not valid RE2"),
    ("rule add " + "a" * 1001 + " to #incidents", "the limit is 1,000"),
    ("rule add x to #nowhere", "no channel #nowhere"),
    ("rule add x to #incidents lable x", 'did you mean "label"'),
    ("rule add x to #incidents hotline @nobody", "no person or user group @nobody"),
    ("rule add x to #incidents when mon-fri 09:00-18:00 Mars/Olympus", "Mars/Olympus"),
    ("rule remove r-000000", "no rule `r-000000`"),
    ("channel #nowhere default ack", "no channel #nowhere"),
    ("settings reconcile-limit 99", "reconcile"),
    ("import yaml klaxon: 1\nrules: [{pattern: x}]", "`id` is required"),
    ("import yaml {{not yaml", "not valid YAML"),
    ("import ims [Rules]\nbroken", "line 2"),
])
def test_bad_input_is_refused_with_the_problem_named_and_nothing_written(console, store, text, problem):
    reply = run(console, text)
    assert not reply.ok and problem in reply.text, reply.text
    assert store.snapshot.version == 0 and store.entries == []


def test_a_poster_scope_by_name_covers_a_bots_user_and_bot_ids(console, store):
    run(console, "rule add cpu to #incidents from @datadog")
    assert store.snapshot.rules[0].posters == frozenset({"U0DDOG", "B0DDOG"})


def test_hotline_names_resolve_to_people_and_groups(console, store):
    run(console, "rule add cpu to #incidents hotline @alice @ops-leads @here")
    assert store.snapshot.rules[0].hotline == (ADMIN, "S0LEADS", "here")


def test_rules_are_removed_disabled_and_moved(console, store):
    for word in ("one", "two", "three"):
        run(console, f"rule add {word} to #incidents")
    one, two, three = (rule.id for rule in store.snapshot.rules)

    run(console, f"rule move {three} top")
    run(console, f"rule disable {one}")
    run(console, f"rule remove {two}")

    assert [r.id for r in store.snapshot.rules] == [three, one]
    assert store.snapshot.rules[1].enabled is False
    assert [e.action for e in store.entries] == ["rule remove", "rule disable", "rule move"] + ["rule add"] * 3


def test_channel_defaults_are_set_per_channel(console, store):
    run(console, "channel #alerts-prod default ack")
    assert store.snapshot.channel_default(ALERTS) is ChannelDefault.ACK
    run(console, "channel #alerts-prod default ignore")
    assert store.snapshot.channel_defaults == {}


def test_settings_change_one_thing_and_say_it_in_the_units_typed(console, store):
    reply = run(console, "settings digest-after 20m")
    assert reply.ok and "20m" in reply.text
    assert store.snapshot.preferences.digest_after_seconds == 1200
    run(console, "settings reminder-hours 09:00 17:30 Asia/Tokyo")
    assert store.snapshot.preferences.reminder_hours == ("09:00", "17:30")
    assert store.snapshot.preferences.reminder_zone == "Asia/Tokyo"


def test_export_then_import_gives_back_the_same_configuration(console, store):
    run(console, 'rule add /disk/i to #incidents label "[Error]" when not sat,sun 00:00-24:00 UTC hotline @here')
    run(console, "rule add heartbeat to #incidents suppress")
    run(console, "channel #alerts-prod default alert")
    exported = run(console, "export").text.strip("`")
    before = store.snapshot

    reply = run(console, f"import yaml {exported}")

    assert reply.ok, reply.text
    assert store.snapshot.rules == before.rules
    assert store.snapshot.channel_defaults == before.channel_defaults


def test_an_ims_file_replaces_the_rules(console, store):
    run(console, "rule add old to #incidents")
    ims = "[Rules]\nerror\t.*\tincidents\n[Incidents]\nincidents\tincidents\t[Error]\t10\n"
    reply = run(console, f"import ims {ims}")
    assert reply.ok, reply.text
    (rule,) = store.snapshot.rules
    assert rule.pattern == "error" and rule.target_channel == INCIDENTS


def test_rules_imported_from_ims_keep_matching_as_ims_did_through_an_export_and_import(console, store):
    ims = '[Rules]\n"color":"danger"\t.*\tincidents\n[Incidents]\nincidents\tincidents\t[Critical]\t20\n'
    assert run(console, f"import ims {ims}").ok
    assert "matches as IMS did" in run(console, "rule list", actor=GUEST).text
    before = store.snapshot.rules
    exported = run(console, "export").text.strip("`")

    assert run(console, f"import yaml {exported}").ok

    assert store.snapshot.rules == before and before[0].ims_matching


def test_a_conflicting_edit_is_recomputed_on_the_newer_configuration(console, store):
    real_commit = store.commit
    sneaked_in = []

    def commit_after_someone_else(base, changed, entry, silences=()):
        if not sneaked_in:  # another admin commits between this edit's read and its write
            sneaked_in.append(real_commit(base, base.with_rules(()), entry))
            raise ConfigurationConflict("changed meanwhile")
        return real_commit(base, changed, entry, silences)

    store.commit = commit_after_someone_else
    assert run(console, "rule add x to #incidents").ok
    assert len(store.snapshot.rules) == 1 and store.snapshot.version == 2


def test_audit_lists_who_changed_what(console, store):
    run(console, "rule add x to #incidents")
    text = run(console, "audit", actor=GUEST).text
    assert "<@U0ADMIN>" in text and "rule add" in text


def test_help_shows_the_grammar(console):
    assert "/klaxon rule add <pattern> to #channel" in run(console, "help", actor=GUEST).text


HUGE = "9" * 5000  # int() refuses text of more than 4,300 digits: every such command died with an internal error


@pytest.mark.parametrize("text, problem", [
    (f"silence host=db-7 for {HUGE}s", "longer than the limit of 366d"),
    (f"hosts mute db-7 for {HUGE}m", "longer than the limit of 366d"),
    (f"settings digest-after {HUGE}s", "longer than the limit of 366d"),
    (f"settings incident-reminders no-update {HUGE}m 2h", "longer than the limit of 366d"),
    (f"policy set p level @lead after {HUGE}s", "longer than the limit of 366d"),
    (f"policy set p level @lead after 1m; repeat {HUGE}", "repeat takes a whole number from 0 to 10"),
    (f"settings reconcile-limit {HUGE}", "reconcile-limit takes a whole number from 0 to 50"),
    (f"settings incident-paging {HUGE}", "takes a whole number from 1 to 4"),
    (f"settings incident-reminders times {HUGE}", "takes a whole number from 0 to 10"),
    (f"audit {HUGE}", "audit takes a whole number from 1 to 50"),
    ("audit \u00b2", "audit takes a whole number from 1 to 50"),  # a digit to str.isdigit, not to int()
    (f"rule move r-abc123 {HUGE}", "is not a place to move r-abc123 to"),
])
def test_a_number_of_thousands_of_digits_is_refused_by_name_and_nothing_is_written(console, store, text, problem):
    answer = run(console, text)
    assert not answer.ok and problem in answer.text, answer.text
    assert store.entries == []
