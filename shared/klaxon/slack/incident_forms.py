"""Klaxon's incident forms (Slack modals, built with slack_sdk's models), and what a submitted one says.

    declare   /incident, the "Declare incident" message shortcut, an alert post's button
    edit      the headline post's Edit button: summary, impact, severity, lead
    status    the headline post's Change status button: the status and a note

A form opened from a button whose values must be read first opens as `loading` within Slack's 3-second
trigger window, and is filled in by `views.update` after the ack.

Reading a submission (view_submission payloads, docs.slack.dev/reference/interaction-payloads/view-
interactions-payload) is pure and light: it runs in the ack, which answers problems in the form itself
(`response_action: errors`, keyed by block id). Slack hands typed text over raw; it is escaped into
Slack's message markup here, the one markup every incident text is kept in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from klaxon.incidents.model import (
    MAX_IMPACT_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_UPDATE_CHARS,
    Incident,
    Severity,
    Status,
    shown_length,
)
from klaxon.markup import escaped, unescaped
from klaxon.slack.actions import CallbackId

PRIVATE = "private"


class Field(StrEnum):
    """Block ids of the forms' inputs (each input's action id is the same word)."""

    SUMMARY = "summary"
    IMPACT = "impact"
    SEVERITY = "severity"
    LEAD = "lead"
    PRIVATE = "private"
    STATUS = "status"
    NOTE = "note"


@dataclass(frozen=True)
class Origin:
    """Where a declaring form was opened from (kept in its private_metadata)."""

    channel: str | None = None
    message: tuple[str, str] | None = None  # the message shortcut's message
    alert_id: str | None = None

    def metadata(self) -> str:
        return json.dumps({"channel": self.channel, "message": list(self.message) if self.message else None,
                           "alert": self.alert_id})

    @classmethod
    def of(cls, metadata: str) -> Origin:
        try:
            found = json.loads(metadata or "{}") if isinstance(metadata, str) else None
        except ValueError:
            return cls()
        if not isinstance(found, dict):
            return cls()
        message = found.get("message")
        return cls(channel=_text(found.get("channel")), alert_id=_text(found.get("alert")),
                   message=(str(message[0]), str(message[1])) if isinstance(message, list) and len(message) == 2
                   else None)


@dataclass(frozen=True)
class Filled:
    """What a submitted form says (texts in Slack's markup), or what is wrong in it (block id → problem)."""

    summary: str = ""
    impact: str = ""
    severity: Severity | None = None
    lead: str | None = None
    private: bool = False
    status: Status | None = None
    note: str = ""
    errors: Mapping[str, str] | None = None


# ---------------------------------------------------------------------- building
def declaring_form(summary: str, reporter: str, origin: Origin) -> View:
    """The declaring form: `summary` (plain text) filled in, the reporter as lead (clearable), no severity."""
    return View(type="modal", callback_id=CallbackId.DECLARE.value, title="Declare an incident", submit="Declare",
                close="Cancel", private_metadata=origin.metadata(), blocks=[
                    _summary(summary), _impact(""), _severity(None), _lead(reporter), _private()])


def editing_form(incident: Incident) -> View:
    """The Edit form, filled in with the incident as it is. A severity or lead once set is required: Slack's
    client will not save the form with it cleared (an incident is not made leaderless by an edit; a new lead or
    severity replaces the old), where an optional input cleared would be read as "not given" and ignored."""
    return View(type="modal", callback_id=CallbackId.EDIT.value, title="Edit the incident", submit="Save",
                close="Cancel", private_metadata=incident.id, blocks=[
                    _summary(unescaped(incident.summary)), _impact(unescaped(incident.impact)),
                    _severity(incident.severity, optional=incident.severity is None),
                    _lead(incident.lead, optional=incident.lead is None)])


def status_form(incident: Incident) -> View:
    """The Change status form: every status the incident may move to, and a note."""
    choices = [status for status in Status if status is not incident.status
               and (status is not Status.CLOSED or incident.status is Status.RESOLVED)]
    return View(type="modal", callback_id=CallbackId.STATUS.value, title="Change the status", submit="Change",
                close="Cancel", private_metadata=incident.id, blocks=[
                    InputBlock(block_id=Field.STATUS.value, label=f"Now {incident.status.value}; move to",
                               element=StaticSelectElement(action_id=Field.STATUS.value, options=[
                                   Option(value=status.value, label=status.value.capitalize()) for status in choices])),
                    InputBlock(block_id=Field.NOTE.value, label="Note", optional=True, element=PlainTextInputElement(
                        action_id=Field.NOTE.value, multiline=True, max_length=MAX_UPDATE_CHARS,
                        placeholder="What changed (shown on the headline and the timeline)"))])


def loading_form(callback: CallbackId, title: str) -> View:
    """A form opened at once (the trigger expires in 3 s) and filled in after the ack; it has no submit."""
    return View(type="modal", callback_id=callback.value, title=title, close="Cancel",
                blocks=[SectionBlock(text=":hourglass_flowing_sand: Loading…")])


def _summary(value: str) -> InputBlock:
    return InputBlock(block_id=Field.SUMMARY.value, label="What is happening?", element=PlainTextInputElement(
        action_id=Field.SUMMARY.value, initial_value=value[:MAX_SUMMARY_CHARS] or None, max_length=MAX_SUMMARY_CHARS,
        placeholder="Checkout fails for EU customers"))


def _impact(value: str) -> InputBlock:
    return InputBlock(block_id=Field.IMPACT.value, label="Impact", optional=True, element=PlainTextInputElement(
        action_id=Field.IMPACT.value, initial_value=value or None, multiline=True, max_length=MAX_IMPACT_CHARS,
        placeholder="Who is affected, and how"))


def _severity(current: Severity | None, optional: bool = True) -> InputBlock:
    options = [Option(value=str(severity.value), label=severity.label) for severity in Severity]
    initial = options[current.value - 1] if current else None
    return InputBlock(block_id=Field.SEVERITY.value, label="Severity", optional=optional, element=StaticSelectElement(
        action_id=Field.SEVERITY.value, options=options, initial_option=initial, placeholder="Not known yet"))


def _private() -> InputBlock:
    private = Option(value=PRIVATE, label="Private",
                     description="A private comms channel; the headline says only who leads it")
    return InputBlock(block_id=Field.PRIVATE.value, label="Visibility", optional=True,
                      element=CheckboxesElement(action_id=Field.PRIVATE.value, options=[private]))


def _lead(user: str | None, optional: bool = True) -> InputBlock:
    return InputBlock(block_id=Field.LEAD.value, label="Lead", optional=optional,
                      element=UserSelectElement(action_id=Field.LEAD.value, initial_user=user,
                                                placeholder="Nobody yet"))


# ---------------------------------------------------------------------- reading
def read_form(view: Mapping[str, Any]) -> Filled:
    """What a submitted form says; `errors` names each problem by its input's block id.

    Read in the ack, from a view_submission (docs.slack.dev/reference/interaction-payloads/view-interactions-
    payload): `state.values` is block id → action id → the input's value. Any other shape reads as empty.
    """
    values = _mapping(_mapping(view.get("state")).get("values"))
    state: dict[str, Mapping[str, Any]] = {block: _mapping(entry.get(block) or next(iter(entry.values()), None))
                                           for block, entry in values.items() if isinstance(entry, Mapping)}
    errors: dict[str, str] = {}
    summary = _typed(state, Field.SUMMARY, MAX_SUMMARY_CHARS, errors, required=Field.SUMMARY.value in state)
    impact = _typed(state, Field.IMPACT, MAX_IMPACT_CHARS, errors)
    note = _typed(state, Field.NOTE, MAX_UPDATE_CHARS, errors)
    severity = _chosen_severity(state, errors)
    status = _chosen_status(state, errors)
    lead = _mapping(state.get(Field.LEAD.value)).get("selected_user") or None
    if lead is not None and not (isinstance(lead, str) and lead[:1] in ("U", "W")):
        errors[Field.LEAD.value] = "Choose a person as lead"
    chosen = _mapping(state.get(Field.PRIVATE.value)).get("selected_options")
    private = any(_mapping(option).get("value") == PRIVATE for option in (chosen if isinstance(chosen, list) else ()))
    return Filled(summary=summary, impact=impact, severity=severity, lead=lead, private=private, status=status,
                  note=note, errors=errors or None)


def _typed(state: Mapping[str, Any], field: Field, limit: int, errors: dict[str, str], *,
           required: bool = False) -> str:
    raw = _mapping(state.get(field.value)).get("value")
    text = escaped(" ".join(raw.split()) if field is Field.SUMMARY else raw.strip()) if isinstance(raw, str) else ""
    if required and not text:
        errors[field.value] = "Say what is happening"
    elif shown_length(text) > limit:
        errors[field.value] = f"At most {limit} characters, please ({shown_length(text)} now)"
    return text


def _chosen_severity(state: Mapping[str, Any], errors: dict[str, str]) -> Severity | None:
    chosen = _mapping(_mapping(state.get(Field.SEVERITY.value)).get("selected_option")).get("value")
    if chosen is None:
        return None
    if not isinstance(chosen, str) or chosen not in {str(severity.value) for severity in Severity}:
        errors[Field.SEVERITY.value] = "Choose a severity from the list"
        return None
    return Severity(int(chosen))


def _chosen_status(state: Mapping[str, Any], errors: dict[str, str]) -> Status | None:
    chosen = _mapping(_mapping(state.get(Field.STATUS.value)).get("selected_option")).get("value")
    if chosen is None:
        if Field.STATUS.value in state:
            errors[Field.STATUS.value] = "Choose a status"
        return None
    if not isinstance(chosen, str) or chosen not in {status.value for status in Status}:
        errors[Field.STATUS.value] = "Choose a status from the list"
        return None
    return Status(chosen)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
