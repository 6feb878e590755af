"""What people say in a comms channel, parsed exactly - severity above all (Response read any "1" as critical)."""

from __future__ import annotations

import pytest

from klaxon.commands.references import MentionKind
from klaxon.incidents.commands import USAGE, help_text, parse_incident_command
from klaxon.incidents.model import IncidentError, Severity, Status
from klaxon.incidents.usage import is_command


def test_an_empty_mention_asks_for_help() -> None:
    assert parse_incident_command("  ").verb == "help"


@pytest.mark.parametrize(("text", "verb", "severity"), [("severity 1", "severity", Severity.CRITICAL),
                                                        ("SEVERITY major", "severity", Severity.MAJOR),
                                                        ("severity sev-3", "severity", Severity.MINOR)])
def test_severity_exactly(text: str, verb: str, severity: Severity) -> None:
    command = parse_incident_command(text)
    assert (command.verb, command.severity) == (verb, severity)


@pytest.mark.parametrize("text", ["severity 10", "severity 1 db is down", "severity", "severity high"])
def test_severity_words_that_are_not_one_are_refused(text: str) -> None:
    with pytest.raises(IncidentError, match="not a severity"):
        parse_incident_command(text)


def test_people_come_as_slack_markup_or_typed_names() -> None:
    lead = parse_incident_command("lead <@U0123|sam>")
    assert lead.person is not None and (lead.person.kind, lead.person.id) == (MentionKind.USER, "U0123")
    typed = parse_incident_command("role comms @alex")
    assert typed.person is not None and (typed.person.kind, typed.person.name, typed.text) == (
        MentionKind.EITHER, "alex", "comms")
    assert parse_incident_command("lead").person is None  # the speaker takes it


@pytest.mark.parametrize(("text", "problem"), [("lead <!here>", "not a person"), ("lead <!subteam^S1>", "not a person"),
                                               ("role comms", "usage: `role"), ("role <@U1>", "usage: `role")])
def test_roles_and_leads_are_people(text: str, problem: str) -> None:
    with pytest.raises(IncidentError, match=problem):
        parse_incident_command(text)


def test_status_with_a_note_kept_in_slacks_markup_and_not_closed_through_status() -> None:
    command = parse_incident_command("status monitoring fix is out &amp; <@U7> holds it")
    assert (command.status, command.text) == (Status.MONITORING, "fix is out &amp; <@U7> holds it")
    with pytest.raises(IncidentError, match="say `close`"):
        parse_incident_command("status closed")


def test_an_action_s_last_word_is_its_owner_when_it_is_a_person() -> None:
    owned = parse_incident_command("action add a disk alert <@U5>")
    assert (owned.text, owned.person and owned.person.id) == ("add a disk alert", "U5")
    unowned = parse_incident_command("action tell <!here> about it")
    assert (unowned.text, unowned.person) == ("tell <!here> about it", None)  # shown quietly, never notifying


@pytest.mark.parametrize(("text", "problem"), [("update", "usage: `update"), ("rename", "usage: `rename"),
                                               ("done", "usage: `done"), ("done a1 a2", "usage: `done"),
                                               ("page sre now", "usage: `page"), ("action", "usage: `action")])
def test_commands_missing_their_words_say_how_to_use_them(text: str, problem: str) -> None:
    with pytest.raises(IncidentError, match=problem):
        parse_incident_command(text)


def test_an_unknown_command_is_answered_with_everything_understood_here() -> None:
    with pytest.raises(IncidentError) as refused:
        parse_incident_command("reboot the world")
    assert "I don't know `reboot`" in str(refused.value)
    assert all(f"`{verb}" in str(refused.value) for verb in USAGE)
    assert help_text().count("\n") == len(USAGE) - 1


@pytest.mark.parametrize(("text", "verb"), [("summary db &lt;primary&gt; &amp; replica down", "summary"),
                                            ("update failover done, <https://status.example|status page>", "update")])
def test_free_text_is_kept_as_slack_sent_it(text: str, verb: str) -> None:
    command = parse_incident_command(text)
    assert (command.verb, command.text) == (verb, text.split(" ", 1)[1])


@pytest.mark.parametrize(("typed", "is_one"), [("severity 1", True), ("SUMMARY", True), ("page", True),
                                               ("the db is down", False), ("", False), ("pages are slow", False)])
def test_a_command_is_told_from_a_summary_by_its_first_word(typed: str, is_one: bool) -> None:
    assert is_command(typed) is is_one
