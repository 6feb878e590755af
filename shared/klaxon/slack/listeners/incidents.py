"""Declared incidents from Slack: `/incident`, the "Declare incident" message shortcut, an alert post's
button, the forms they open, the headline post's buttons, pins, and - called by the alerts and paging
listeners, which receive those events - mentions, 📌 reactions and keyword replies in comms channels.

Forms open in the ack (`views.open` before `ack()` returns: a trigger lives 3 s); a form whose values must
be read first opens as "loading" and is filled in by `views.update` after the ack. A submitted form is
checked in the ack - problems are answered in the form (`response_action: errors`) - and carried out
after it. Like every listener here, the ack half loads nothing of the domain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from klaxon.slack.actions import ActionId, CallbackId
from klaxon.slack.lazy import acknowledge, delivery_id, lazy_work

if TYPE_CHECKING:
    from klaxon.alerts.messages import ChannelMessage
    from klaxon.incidents.model import Incident
    from klaxon.services import Services

logger = Logger(child=True)
FORM_TRIGGER_LOST = (":warning: Slack did not let Klaxon open the form in time (the click is valid for 3 seconds); "
                     "please try again.")


def register(app: App, services: Callable[[], Services]) -> None:
    # ------------------------------------------------------------------ /incident
    def open_or_defer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """`/incident <command>` is carried out after the ack; anything else opens the declaring form."""
        from klaxon.incidents.usage import is_command
        from klaxon.markup import readable
        from klaxon.slack.incident_forms import Origin, declaring_form

        text = body.get("text") or ""
        if is_command(text):
            ack()
            return
        form = declaring_form(readable(text), body["user_id"], Origin(channel=body.get("channel_id")))
        if _opened(client, body, form):
            ack()
        else:
            ack(text=FORM_TRIGGER_LOST)

    def run_incident_command(body: dict[str, Any], respond: Respond) -> None:
        from klaxon.incidents.commanding import list_incidents, run_command
        from klaxon.incidents.commands import parse_incident_command
        from klaxon.incidents.events import Via
        from klaxon.incidents.usage import is_command, verb_of
        from klaxon.slack.renderers.incidents import answer, not_a_comms_channel

        text = body.get("text") or ""
        if not is_command(text):
            return  # the ack opened the declaring form
        with lazy_work(services, body) as work:
            if work is None:
                return
            desk = work.desk(delivery_id(body))
            incident_id = desk.incidents.in_channel(body["channel_id"])
            if incident_id is None and verb_of(text) == "list":  # the history is asked for anywhere
                outcome = list_incidents(parse_incident_command(text).text, desk)
                respond(text=answer(outcome, desk.now), response_type="ephemeral", replace_original=False)
                return
            if incident_id is None:
                message = not_a_comms_channel(text)
                respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
                return
            outcome = run_command(text, body["user_id"], incident_id, Via.SLASH, desk)
            respond(text=answer(outcome, desk.now), response_type="ephemeral", replace_original=False)
            logger.info("incident command", extra={"incident": incident_id, "outcome": type(outcome).__name__})

    # ------------------------------------------------------------------ other ways to declare
    def open_form_from_message(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        from klaxon.markup import readable
        from klaxon.slack.incident_forms import Origin, declaring_form

        ack()
        channel, message = body["channel"]["id"], body.get("message") or {}
        origin = Origin(channel=channel, message=(channel, str(message.get("ts") or body.get("message_ts"))))
        form = declaring_form(readable(str(message.get("text") or "")), body["user"]["id"], origin)
        if not _opened(client, body, form):
            respond(text=FORM_TRIGGER_LOST, response_type="ephemeral", replace_original=False)

    def open_form_with_text(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                            respond: Respond) -> None:
        from klaxon.slack.incident_forms import Origin, declaring_form

        ack()
        form = declaring_form(action.get("value") or "", body["user"]["id"], Origin(channel=_channel_of(body)))
        if not _opened(client, body, form):
            respond(text=FORM_TRIGGER_LOST, response_type="ephemeral", replace_original=False)

    def open_loading_form(callback: CallbackId, title: str) -> Callable[..., None]:
        def open_form(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            from klaxon.slack.incident_forms import loading_form

            ack()
            form = loading_form(callback, title)
            form.external_id = _form_key(body)
            if not _opened(client, body, form):
                respond(text=FORM_TRIGGER_LOST, response_type="ephemeral", replace_original=False)

        return open_form

    def fill_declaring_form_from_alert(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        from klaxon.markup import readable
        from klaxon.slack.incident_forms import Origin, declaring_form

        with lazy_work(services, body) as work:
            if work is None:
                return
            alert = work.store.alerts.get(action["value"])
            summary = readable(f"{alert.label} {alert.headline}".strip()) if alert else ""
            origin = Origin(channel=_channel_of(body), alert_id=action["value"] if alert else None)
            _fill(client, body, declaring_form(summary, body["user"]["id"], origin))

    def fill_form(build: Callable[[Incident], View]) -> Callable[..., None]:
        def fill(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            with lazy_work(services, body) as work:
                if work is None:
                    return
                incident = work.store.incidents.get(action["value"])
                if incident is not None:
                    _fill(client, body, build(incident))

        return fill

    # ------------------------------------------------------------------ submitted forms
    def check_form(ack: Ack, view: dict[str, Any]) -> None:
        from klaxon.slack.incident_forms import read_form

        filled = read_form(view)
        if filled.errors:
            ack(response_action="errors", errors=dict(filled.errors))
        else:
            ack()

    def declare_from_form(body: dict[str, Any], view: dict[str, Any]) -> None:
        from klaxon.incidents.declaring import Declaration, declare
        from klaxon.slack.incident_forms import Origin, read_form

        filled, origin = read_form(view), Origin.of(view.get("private_metadata") or "")
        if filled.errors:
            return
        with lazy_work(services, body) as work:
            if work is None:
                return
            declared = declare(Declaration(
                summary=filled.summary, reporter=body["user"]["id"], form=view["id"], impact=filled.impact,
                severity=filled.severity, lead=filled.lead, private=filled.private, channel=origin.channel,
                message=origin.message, alert_id=origin.alert_id), work.desk(delivery_id(body)))
            logger.info("incident declared", extra={"incident": declared.incident.id if declared.incident else None,
                                                    "new": declared.new, "taken_by": declared.taken_by})

    def save_edit(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from klaxon.incidents.commanding import Revision, revise
        from klaxon.slack.incident_forms import read_form

        filled = read_form(view)
        if filled.errors:
            return
        with lazy_work(services, body) as work:
            if work is None:
                return
            desk = work.desk(delivery_id(body))
            outcome = revise(view["private_metadata"], Revision(filled.summary, filled.impact, filled.severity,
                                                                filled.lead), body["user"]["id"], desk)
            _tell_refusal(work, client, body["user"]["id"], view["private_metadata"], outcome)

    def save_status(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from klaxon.incidents.commanding import set_status
        from klaxon.incidents.events import Via
        from klaxon.slack.incident_forms import read_form

        filled = read_form(view)
        if filled.errors or filled.status is None:
            return
        with lazy_work(services, body) as work:
            if work is None:
                return
            outcome = set_status(view["private_metadata"], filled.status, filled.note, body["user"]["id"],
                                 Via.HEADLINE, work.desk(delivery_id(body)))
            _tell_refusal(work, client, body["user"]["id"], view["private_metadata"], outcome)

    # ------------------------------------------------------------------ the headline post's buttons
    def open_channel(body: dict[str, Any], action: dict[str, Any]) -> None:
        from klaxon.incidents.comms import open_comms_channel

        with lazy_work(services, body) as work:
            if work is None:
                return
            open_comms_channel(action["value"], body["user"]["id"], _channel_of(body), work.desk(delivery_id(body)))

    def move(status_name: str) -> Callable[..., None]:
        def press(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            from klaxon.incidents.commanding import set_status
            from klaxon.incidents.events import Via
            from klaxon.incidents.model import Status
            from klaxon.incidents.outcomes import Refused
            from klaxon.slack.renderers.incidents import answer

            with lazy_work(services, body) as work:
                if work is None:
                    return
                desk = work.desk(delivery_id(body))
                outcome = set_status(action["value"], Status(status_name), "", body["user"]["id"], Via.HEADLINE, desk)
                if isinstance(outcome, Refused):
                    respond(text=answer(outcome, desk.now), response_type="ephemeral", replace_original=False)

        return press

    def record_pin(body: dict[str, Any], event: dict[str, Any]) -> None:
        from klaxon.incidents.listening import Marking, on_marking

        item = event.get("item") or {}
        message = item.get("message") or {}
        channel, ts = event.get("channel_id") or item.get("channel"), message.get("ts")
        if not (channel and ts and event.get("user")):
            return
        with lazy_work(services, body) as work:
            if work is None:
                return
            marking = Marking(channel=channel, ts=ts, user=event["user"], at=work.clock.now(),
                              added=event["type"] == "pin_added", by_reaction=False)
            on_marking(marking, message.get("text"), work.desk(delivery_id(body)))

    app.command("/incident")(ack=open_or_defer, lazy=[run_incident_command])
    app.shortcut(CallbackId.DECLARE_FROM_MESSAGE.value)(open_form_from_message)
    app.action(ActionId.DECLARE_WITH_TEXT.value)(open_form_with_text)
    app.action(ActionId.DECLARE_FROM_ALERT.value)(ack=open_loading_form(CallbackId.DECLARE, "Declare an incident"),
                                                  lazy=[fill_declaring_form_from_alert])
    app.action(ActionId.EDIT_INCIDENT.value)(ack=open_loading_form(CallbackId.EDIT, "Edit the incident"),
                                             lazy=[fill_form(_editing_form)])
    app.action(ActionId.CHANGE_STATUS.value)(ack=open_loading_form(CallbackId.STATUS, "Change the status"),
                                             lazy=[fill_form(_status_form)])
    app.view(CallbackId.DECLARE.value)(ack=check_form, lazy=[declare_from_form])
    app.view(CallbackId.EDIT.value)(ack=check_form, lazy=[save_edit])
    app.view(CallbackId.STATUS.value)(ack=check_form, lazy=[save_status])
    app.action(ActionId.OPEN_COMMS_CHANNEL.value)(ack=acknowledge, lazy=[open_channel])
    app.action(ActionId.RESOLVE_INCIDENT.value)(ack=acknowledge, lazy=[move("resolved")])
    app.action(ActionId.CLOSE_INCIDENT.value)(ack=acknowledge, lazy=[move("closed")])
    app.action(ActionId.OPEN_DOC.value)(acknowledge)  # a link button: the click needs only an ack
    app.event("pin_added")(ack=acknowledge, lazy=[record_pin])
    app.event("pin_removed")(ack=acknowledge, lazy=[record_pin])


# ---------------------------------------------------------------------- called by the other features' listeners
def command_from_mention(work: Services, client: WebClient, event: dict[str, Any], bot_user_id: str | None,
                         incident_id: str, delivery: str | None) -> None:
    """`@klaxon <command>` in a comms channel: carried out; ✅ on the message, an answer in its thread, or a
    refusal only its author sees."""
    from klaxon.incidents.commanding import run_command
    from klaxon.incidents.events import Via
    from klaxon.slack.incidents import answer_mention

    text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", event.get("text") or "") if bot_user_id else ""
    desk = work.desk(delivery)
    outcome = run_command(text, event.get("user", ""), incident_id, Via.MENTION, desk)
    answer_mention(client, event, outcome, desk.now)
    logger.info("incident command", extra={"incident": incident_id, "outcome": type(outcome).__name__})


def pushpin(work: Services, event: dict[str, Any], delivery: str | None) -> bool:
    """A 📌 added or taken away: on the timeline of the comms channel's incident (False: not a comms channel)."""
    from klaxon.incidents.listening import Marking, on_marking

    item = event.get("item") or {}
    marking = Marking(channel=item["channel"], ts=item["ts"], user=event["user"], at=work.clock.now(),
                      added=event["type"] == "reaction_added", by_reaction=True)
    return on_marking(marking, None, work.desk(delivery))


def keyword_replies(work: Services, message: ChannelMessage, me: str | None) -> int:
    """A person's message in a comms channel containing keywords gets their replies (not a command to Klaxon)."""
    from klaxon.incidents.listening import reply_to_keywords

    if message.bot_id or (me and f"<@{me}" in message.text):
        return 0
    return reply_to_keywords(message.plain_text, message.channel, message.ts, work.desk())


# ---------------------------------------------------------------------- helpers
def _opened(client: WebClient, body: dict[str, Any], form: View) -> bool:
    """Open a form on the request's trigger; False when Slack refuses (the trigger expired or was used)."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=form)
    except SlackApiError as error:
        logger.warning("form not opened", extra={"error": error.response.get("error")})
        return False
    return True


def _fill(client: WebClient, body: dict[str, Any], form: View) -> None:
    """Put the form in place of the loading one this click opened."""
    try:
        client.views_update(external_id=_form_key(body), view=form)
    except SlackApiError as error:  # closed meanwhile: nothing to fill
        logger.info("loading form gone", extra={"error": error.response.get("error")})


def _form_key(body: dict[str, Any]) -> str:
    """The loading form's external id: unique per click (its trigger), so the lazy half finds that form."""
    return f"klaxon-{body['trigger_id']}"[:255]


def _channel_of(body: dict[str, Any]) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def _editing_form(incident: Incident) -> View:
    from klaxon.slack.incident_forms import editing_form

    return editing_form(incident)


def _status_form(incident: Incident) -> View:
    from klaxon.slack.incident_forms import status_form

    return status_form(incident)


def _tell_refusal(work: Services, client: WebClient, user: str, incident_id: str, outcome: Any) -> None:
    """A form's change refused after the form closed: its author hears why (in the incident's channel, or DM)."""
    from klaxon.incidents.outcomes import Refused
    from klaxon.slack.incidents import tell_privately
    from klaxon.slack.renderers.incidents import answer

    if isinstance(outcome, Refused):
        incident = work.store.incidents.get(incident_id)
        where = incident.comms_channel if incident else None
        tell_privately(client, user, where, answer(outcome, work.clock.now()))
