"""`/klaxon keyword …` and `/klaxon settings incident-…`: admins change them, audited, anyone lists; bad
input names the problem and writes nothing."""

from __future__ import annotations

import pytest

from klaxon.alerts.judging import Identity
from klaxon.commands.editing import Console, Invocation
from klaxon.commands.keywords import KeywordAdded, KeywordsListed
from klaxon.commands.model import Done, Refusal
from klaxon.commands.service import run_command
from klaxon.configuration.as_code import export_yaml, import_yaml
from klaxon.slack.renderers.commands import describe_change
from tests.fakes import FakeClock, FakeDirectory, InMemoryConfiguration, InMemoryStore

ADMIN, PERSON = "U0ADMIN", "U0PERSON"


@pytest.fixture
def console() -> Console:
    store = InMemoryStore(configuration=InMemoryConfiguration())
    return Console(configuration=store.configuration, alerts=store.alerts, silences=store.silences,
                   hosts=store.hosts, directory=FakeDirectory(),
                   clock=FakeClock(), me=Identity("U0KLAXON", "B0KLAXON", None), admin_users=frozenset({ADMIN}),
                   describe=describe_change)


def run(console: Console, text: str, actor: str = ADMIN):
    return run_command(Invocation(text=text, actor=actor, channel="C0OPS"), console)


def test_an_admin_adds_a_keyword_reply_audited_and_anyone_lists_it(console):
    done = run(console, 'keyword add "run book" reply "Runbooks: <https://wiki.example/rb|the wiki>"')
    assert isinstance(done, Done) and isinstance(done.change, KeywordAdded)
    assert done.change.keyword.reply == "Runbooks: <https://wiki.example/rb|the wiki>", "kept in Slack's markup"
    listed = run(console, "keyword list", actor=PERSON)
    assert isinstance(listed, KeywordsListed) and [k.phrase for k in listed.keywords] == ["run book"]
    (entry,) = console.configuration.audit_trail(5)
    assert (entry.actor, entry.action) == (ADMIN, "keyword add")


def test_only_admins_change_keywords_and_a_duplicate_or_unknown_one_is_refused(console):
    assert "only Klaxon admins" in run(console, 'keyword add "x" reply "y"', actor=PERSON).problem
    run(console, 'keyword add "runbook" reply "a"')
    assert "already" in run(console, 'keyword add "RUNBOOK" reply "b"').problem
    assert "no keyword reply `k-zzzzzz`" in run(console, "keyword remove k-zzzzzz").problem
    (keyword,) = console.configuration.load().keywords
    assert isinstance(run(console, f"keyword remove {keyword.id}"), Done)
    assert console.configuration.load().keywords == ()


def test_keywords_go_out_with_the_export_and_come_back_with_the_import(console):
    run(console, 'keyword add "runbook" reply "Runbooks: <https://wiki.example/rb>"')
    config = console.configuration.load()
    assert import_yaml(export_yaml(config)).keywords == config.keywords


@pytest.mark.parametrize(("text", "values"), [
    ("settings incident-paging 1", {"incident_paging_severity": 1}),
    ("settings incident-paging off", {"incident_paging_severity": None}),
    ("settings incident-reminders no-lead 10m", {"incident_no_lead_seconds": 600}),
    ("settings incident-reminders no-update 15m 1h", {"incident_no_update_severe_seconds": 900,
                                                      "incident_no_update_seconds": 3600}),
    ("settings incident-reminders close-hours 08:30 17:00 Europe/London",
     {"incident_close_hours": ("08:30", "17:00"), "incident_zone": "Europe/London"}),
    ("settings incident-reminders times 1", {"incident_reminder_times": 1}),
])
def test_incident_settings_change_the_preferences(console, text, values):
    assert isinstance(run(console, text), Done)
    preferences = console.configuration.load().preferences
    assert {name: getattr(preferences, name) for name in values} == values


@pytest.mark.parametrize(("text", "problem"), [
    ("settings incident-paging 0", "from 1 to 4"), ("settings incident-reminders no-lead soon", "no-lead"),
    ("settings incident-reminders close-hours 18:00 09:00", "end after they start"),
    ("settings incident-reminders times 11", "from 0 to 10"), ("settings incident-reminders nolead 5m", "no-lead"),
])
def test_bad_incident_settings_name_the_problem_and_write_nothing(console, text, problem):
    refused = run(console, text)
    assert isinstance(refused, Refusal) and problem in refused.problem
    assert console.configuration.load().version == 0
