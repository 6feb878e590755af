"""The incident forms: built within Slack's limits (slack_sdk validates), and read back exactly - typed text
escaped into Slack's markup, a severity only from the list, every problem named by its input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from klaxon.incidents.model import Incident, Severity, Status
from klaxon.slack.actions import ActionId, CallbackId
from klaxon.slack.incident_forms import (
    Origin,
    declaring_form,
    editing_form,
    loading_form,
    read_form,
    status_form,
)
from klaxon.slack.renderers.incidents import not_a_comms_channel

INCIDENT = Incident(id="20261129-ab12cd34", summary="db &lt;primary&gt; down", severity=Severity.MAJOR,
                    reporter="U0REP", lead="U0LEAD", declared_at=datetime(2026, 11, 29, tzinfo=UTC))


def submitted(**values: dict) -> dict:
    return {"id": "V1", "state": {"values": {block: {block: value} for block, value in values.items()}}}


def test_every_form_builds_within_slacks_limits():
    for form in (declaring_form("x" * 400, "U0REP", Origin(channel="C0OPS")), editing_form(INCIDENT),
                 status_form(INCIDENT), loading_form(CallbackId.EDIT, "Edit the incident")):
        assert form.to_dict()["type"] == "modal"  # slack_sdk validates lengths and shapes here


def test_the_edit_form_shows_stored_text_as_typed_and_the_status_form_only_moves_the_lifecycle_allows():
    edit = editing_form(INCIDENT).to_dict()
    assert edit["blocks"][0]["element"]["initial_value"] == "db <primary> down"
    options = [o["value"] for o in status_form(INCIDENT).to_dict()["blocks"][0]["element"]["options"]]
    assert options == ["identified", "monitoring", "resolved"]
    resolved = INCIDENT.with_status(Status.RESOLVED, "U0LEAD", INCIDENT.declared_at)
    assert [o["value"] for o in status_form(resolved).to_dict()["blocks"][0]["element"]["options"]] == [
        "investigating", "identified", "monitoring", "closed"]


def test_a_lead_or_severity_once_set_cannot_be_cleared_by_the_edit_form():
    # Slack's client will not submit a required input left empty; an optional one cleared was read as "not given"
    optional = {block["block_id"]: block.get("optional", False) for block in editing_form(INCIDENT).to_dict()["blocks"]}
    assert (optional["severity"], optional["lead"]) == (False, False)
    unset = Incident(id="20261129-ef56ab78", summary="x", severity=None, reporter="U0REP", lead=None,
                     declared_at=INCIDENT.declared_at)
    optional = {block["block_id"]: block.get("optional", False) for block in editing_form(unset).to_dict()["blocks"]}
    assert (optional["severity"], optional["lead"], optional["impact"]) == (True, True, True)
    declaring = declaring_form("x", "U0REP", Origin(channel="C0OPS")).to_dict()["blocks"]
    assert all(block.get("optional", False) for block in declaring if block["block_id"] in ("severity", "lead"))


def test_a_submitted_form_is_read_into_slacks_markup():
    filled = read_form(submitted(summary={"value": "  a <b> &\n c  "}, impact={"value": " EU & UK "},
                                 severity={"selected_option": {"value": "1"}}, lead={"selected_user": "U0LEAD"},
                                 private={"selected_options": [{"value": "private"}]}))
    assert filled.errors is None
    assert (filled.summary, filled.impact) == ("a &lt;b&gt; &amp; c", "EU &amp; UK")
    assert (filled.severity, filled.lead, filled.private) == (Severity.CRITICAL, "U0LEAD", True)


@pytest.mark.parametrize(("values", "problems"), [
    ({"summary": {"value": ""}}, {"summary": "Say what is happening"}),
    ({"summary": {"value": "&" * 301}}, {"summary": "At most 300 characters, please (301 now)"}),
    ({"summary": {"value": "x"}, "severity": {"selected_option": {"value": "one"}}},
     {"severity": "Choose a severity from the list"}),
    ({"summary": {"value": "x"}, "lead": {"selected_user": "S0GROUP"}}, {"lead": "Choose a person as lead"}),
    ({"status": {"selected_option": None}}, {"status": "Choose a status"}),
    ({"status": {"selected_option": {"value": "fixed"}}}, {"status": "Choose a status from the list"}),
])
def test_what_is_wrong_is_named_by_its_input(values, problems):
    assert read_form(submitted(**values)).errors == problems


def test_a_summary_of_300_ampersands_is_300_characters_as_typed():
    assert read_form(submitted(summary={"value": "&" * 300})).errors is None


def test_where_a_form_came_from_survives_its_round_trip_and_garbage_is_nothing():
    origin = Origin(channel="C0OPS", message=("C0OPS", "1.0"), alert_id="C0A/2.0")
    assert Origin.of(origin.metadata()) == origin
    assert Origin.of("not json") == Origin() == Origin.of("[1]")


def test_a_command_word_outside_a_comms_channel_offers_to_declare_with_the_text_as_typed():
    message = not_a_comms_channel("page load &amp; <https://x.example|login> slow")
    (button,) = message.blocks[1].to_dict()["elements"]
    assert (button["action_id"], button["value"]) == (ActionId.DECLARE_WITH_TEXT, "page load & login slow")


def test_help_outside_a_comms_channel_says_how_to_declare_and_what_works_in_one():
    message = not_a_comms_channel("help")
    (section,) = message.blocks
    assert "declares an incident" in message.text and "`severity" in message.text
    assert "&lt;what is happening&gt;" in section.to_dict()["text"]["text"]
