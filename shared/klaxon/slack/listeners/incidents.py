"""Declared incidents from Slack: `/incident`, the "Declare incident" message shortcut, an alert post's
button, the forms they open, the headline post's buttons, pins, and - called by the alerts and paging
listeners, which receive those events - mentions, 📌 reactions and keyword replies in comms channels.

Forms open in the ack (`views.open` before `ack()` returns: a trigger lives 3 s); a form whose values must
be read first opens as "loading" and is filled in by `views.update` after the ack. A submitted form is
checked in the ack - problems are answered in the form (`response_action: errors`) - and carried out
after it. Whatever a command, a button, a form or the shortcut cannot finish is told once to the person
(klaxon.slack.errands): where they asked, else by direct message; a form that cannot open says why at once.
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
from klaxon.slack.client import error_code
from klaxon.slack.lazy import acknowledge, delivery_id, lazy_work

if TYPE_CHECKING:
    from klaxon.alerts.handling import ReactionChange
    from klaxon.alerts.messages import ChannelMessage
    from klaxon.incidents.model import Incident
    from klaxon.services import Services

logger = Logger(child=True)
FORM_TRIGGER_LOST = (":warning: Slack did not let Klaxon open the form in time (the click is valid for 3 seconds); "
                     "please try again.")
_TRIGGER_GONE = {"expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"}  # views.open's own errors


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
        # The door let in only a command that says who typed it where (klaxon.slack.door).
        form = declaring_form(readable(text), body["user_id"], Origin(channel=body["channel_id"]))
        problem = _opened(client, body, form)
        if problem is None:
            ack()
        else:
            ack(text=problem)

    def run_incident_command(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        from klaxon.incidents.commanding import list_incidents, run_command
        from klaxon.incidents.commands import parse_incident_command
        from klaxon.incidents.events import Via
        from klaxon.incidents.usage import is_command, verb_of
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.renderers.incidents import answer, not_a_comms_channel
        from klaxon.slack.telling import by_response_url

        text = body.get("text") or ""
        if not is_command(text):
            return  # the ack opened the declaring form
        tell = by_response_url(respond, client, payloads.asker(body))
        with errand(services, body, f"`/incident {verb_of(text)}`"[:60], tell, nothing_changed=True) as work:
            if work is None:
                return
            command = payloads.invocation(body)
            desk = work.desk(delivery_id(body))
            incident_id = desk.incidents.in_channel(command.channel)
            if incident_id is None and verb_of(text) == "list":  # the history is asked for anywhere
                tell(answer(list_incidents(parse_incident_command(text).text, desk), desk.now))
                return
            if incident_id is None:
                message = not_a_comms_channel(text)
                respond(text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False)
                return
            outcome = run_command(text, command.actor, incident_id, Via.SLASH, desk)
            tell(answer(outcome, desk.now))
            logger.info("incident command", extra={"incident": incident_id, "outcome": type(outcome).__name__})

    # ------------------------------------------------------------------ other ways to declare
    def open_form_from_message(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        from klaxon.alerts.gathering import gathered_text
        from klaxon.markup import readable
        from klaxon.slack.incident_forms import Origin, declaring_form

        ack()
        # The door let in only a message shortcut with its channel, message and person (klaxon.slack.door).
        channel, message = body["channel"]["id"], body["message"]
        origin = Origin(channel=channel, message=(channel, str(message.get("ts") or body.get("message_ts"))))
        # What the message shows: a monitoring bot's alert is in its attachments or blocks, not its text.
        form = declaring_form(readable(gathered_text(message)), body["user"]["id"], origin)
        _tell_unless_opened(client, body, form, respond)

    def open_form_with_text(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                            respond: Respond) -> None:
        from klaxon.slack.incident_forms import Origin, declaring_form

        ack()
        value = action.get("value")
        form = declaring_form(value if isinstance(value, str) else "", body["user"]["id"],
                              Origin(channel=_channel_of(body)))
        _tell_unless_opened(client, body, form, respond)

    def open_loading_form(callback: CallbackId, title: str) -> Callable[..., None]:
        def open_form(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            from klaxon.slack.incident_forms import loading_form

            ack()
            form = loading_form(callback, title)
            form.external_id = _form_key(body)
            _tell_unless_opened(client, body, form, respond)

        return open_form

    def fill_declaring_form_from_alert(body: dict[str, Any], action: dict[str, Any], client: WebClient,
                                       respond: Respond) -> None:
        from klaxon.markup import readable
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.incident_forms import Origin, declaring_form
        from klaxon.slack.telling import by_response_url

        tell = by_response_url(respond, client, payloads.asker(body))
        with errand(services, body, "the form to declare an incident", tell) as work:
            if work is None:
                return
            click = payloads.button_press(body, action)
            alert = work.store.alerts.get(click.value)
            summary = readable(f"{alert.label} {alert.headline}".strip()) if alert else ""
            origin = Origin(channel=_channel_of(body), alert_id=click.value if alert else None)
            _fill(client, body, declaring_form(summary, click.user, origin))

    def fill_form(build: Callable[[Incident], View]) -> Callable[..., None]:
        def fill(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
            from klaxon.slack import payloads
            from klaxon.slack.errands import errand
            from klaxon.slack.telling import by_response_url

            tell = by_response_url(respond, client, payloads.asker(body))
            with errand(services, body, "the incident's form", tell) as work:
                if work is None:
                    return
                incident = work.store.incidents.get(payloads.button_press(body, action).value)
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

    def declare_from_form(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from klaxon.incidents.declaring import Declaration, declare
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.incident_forms import Origin, read_form
        from klaxon.slack.telling import privately

        filled, origin = read_form(view), Origin.of(view.get("private_metadata") or "")
        if filled.errors:
            return
        # The form is closed: the person hears in the channel they declared from, else by direct message.
        tell = privately(client, payloads.asker(body), origin.channel)
        with errand(services, body, "declaring the incident", tell) as work:
            if work is None:
                return
            form = payloads.submission(body, view)
            declared = declare(Declaration(
                summary=filled.summary, reporter=form.user, form=form.form, impact=filled.impact,
                severity=filled.severity, lead=filled.lead, private=filled.private, channel=origin.channel,
                message=origin.message, alert_id=origin.alert_id), work.desk(delivery_id(body)))
            logger.info("incident declared", extra={"incident": declared.incident.id if declared.incident else None,
                                                    "new": declared.new, "taken_by": declared.taken_by})

    def save_edit(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from klaxon.incidents.commanding import Revision, revise
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.incident_forms import read_form
        from klaxon.slack.telling import privately

        filled = read_form(view)
        if filled.errors:
            return
        with errand(services, body, "your edit of the incident", privately(client, payloads.asker(body), None),
                    nothing_changed=True) as work:
            if work is None:
                return
            form = payloads.submission(body, view)
            outcome = revise(form.metadata, Revision(filled.summary, filled.impact, filled.severity, filled.lead),
                             form.user, work.desk(delivery_id(body)))
            _tell_refusal(work, client, form.user, form.metadata, outcome)

    def save_status(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        from klaxon.incidents.commanding import set_status
        from klaxon.incidents.events import Via
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.incident_forms import read_form
        from klaxon.slack.telling import privately

        filled = read_form(view)
        if filled.errors or filled.status is None:
            return
        with errand(services, body, "the incident's new status", privately(client, payloads.asker(body), None),
                    nothing_changed=True) as work:
            if work is None:
                return
            form = payloads.submission(body, view)
            outcome = set_status(form.metadata, filled.status, filled.note, form.user, Via.HEADLINE,
                                 work.desk(delivery_id(body)))
            _tell_refusal(work, client, form.user, form.metadata, outcome)

    # ------------------------------------------------------------------ the headline post's buttons
    def open_channel(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        from klaxon.incidents.comms import open_comms_channel
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.telling import by_response_url

        tell = by_response_url(respond, client, payloads.asker(body))
        with errand(services, body, "opening the incident's comms channel", tell) as work:
            if work is None:
                return
            click = payloads.button_press(body, action)
            open_comms_channel(click.value, click.user, _channel_of(body), work.desk(delivery_id(body)))

    def move(status_name: str) -> Callable[..., None]:
        def press(body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
            from klaxon.incidents.commanding import set_status
            from klaxon.incidents.events import Via
            from klaxon.incidents.model import Status
            from klaxon.incidents.outcomes import Refused
            from klaxon.slack import payloads
            from klaxon.slack.errands import errand
            from klaxon.slack.renderers.incidents import answer
            from klaxon.slack.telling import by_response_url

            tell = by_response_url(respond, client, payloads.asker(body))
            with errand(services, body, f"moving the incident to {status_name}", tell, nothing_changed=True) as work:
                if work is None:
                    return
                click = payloads.button_press(body, action)
                desk = work.desk(delivery_id(body))
                outcome = set_status(click.value, Status(status_name), "", click.user, Via.HEADLINE, desk)
                if isinstance(outcome, Refused):
                    tell(answer(outcome, desk.now))

        return press

    def record_pin(body: dict[str, Any], event: dict[str, Any]) -> None:
        from klaxon.incidents.listening import on_marking
        from klaxon.slack import payloads

        with lazy_work(services, body) as work:
            if work is None:
                return
            pinned = payloads.pin_change(event, work.clock.now())
            if pinned is not None:  # a pinned file is nothing for the timeline
                marking, text = pinned
                on_marking(marking, text, work.desk(delivery_id(body)))

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


def pushpin(work: Services, change: ReactionChange, delivery: str | None) -> bool:
    """A 📌 added or taken away: on the timeline of the comms channel's incident (False: not a comms channel)."""
    from klaxon.incidents.listening import Marking, on_marking

    marking = Marking(channel=change.channel, ts=change.ts, user=change.user, at=change.at, added=change.added,
                      by_reaction=True)
    return on_marking(marking, None, work.desk(delivery))


def keyword_replies(work: Services, message: ChannelMessage, me: str | None) -> int:
    """A person's message in a comms channel containing keywords gets their replies (not a command to Klaxon)."""
    from klaxon.incidents.listening import reply_to_keywords

    if message.bot_id or (me and f"<@{me}" in message.text):
        return 0
    return reply_to_keywords(message.plain_text, message.channel, message.ts, work.desk())


# ---------------------------------------------------------------------- helpers
def _opened(client: WebClient, body: dict[str, Any], form: View) -> str | None:
    """Open a form on the request's trigger; None once open, else what to tell the person: that the trigger is
    gone (it lives 3 s and opens one form), or why Slack refused, in the words every refusal is told in."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=form)
    except Exception as error:  # refused, or Slack unreachable or too slow: the trigger is lost either way
        logger.warning("form not opened", extra={"error": repr(error)})
        if isinstance(error, SlackApiError) and error_code(error) in _TRIGGER_GONE:
            return FORM_TRIGGER_LOST
        from klaxon.slack.trouble import explain  # only when a form could not be opened: not on every ack

        trouble = explain(error, delivery_id(body))
        return f":warning: Klaxon could not open the form: {trouble.why}. {trouble.advice(retried=False)}"
    return None


def _tell_unless_opened(client: WebClient, body: dict[str, Any], form: View, respond: Respond) -> None:
    """Open a form after the ack; if Slack will not, say why where the person clicked (the response_url)."""
    problem = _opened(client, body, form)
    if problem is not None:
        respond(text=problem, response_type="ephemeral", replace_original=False)


def _fill(client: WebClient, body: dict[str, Any], form: View) -> None:
    """Put the form in place of the loading one this click opened; a refusal other than "the form was closed
    meanwhile" (views.update's `not_found`) is raised, to be told to the person (else it would load forever)."""
    try:
        client.views_update(external_id=_form_key(body), view=form)
    except SlackApiError as error:
        if error_code(error) != "not_found":
            raise
        logger.info("loading form gone", extra={"error": error_code(error)})


def _form_key(body: dict[str, Any]) -> str:
    """The loading form's external id: unique per click (its trigger), so the lazy half finds that form."""
    return f"klaxon-{body['trigger_id']}"[:255]


def _channel_of(body: dict[str, Any]) -> str | None:
    """Where a click happened: its channel, else its message's container's (neither in a form)."""
    for where, key in (("channel", "id"), ("container", "channel_id")):
        found = body.get(where)
        if isinstance(found, dict) and isinstance(found.get(key), str) and found[key]:
            return str(found[key])
    return None


def _editing_form(incident: Incident) -> View:
    from klaxon.slack.incident_forms import editing_form

    return editing_form(incident)


def _status_form(incident: Incident) -> View:
    from klaxon.slack.incident_forms import status_form

    return status_form(incident)


def _tell_refusal(work: Services, client: WebClient, user: str, incident_id: str, outcome: Any) -> None:
    """A form's change refused after the form closed: its author hears why (in the incident's channel, or DM)."""
    from klaxon.incidents.outcomes import Refused
    from klaxon.slack.renderers.incidents import answer
    from klaxon.slack.telling import privately

    if isinstance(outcome, Refused):
        incident = work.store.incidents.get(incident_id)
        where = incident.comms_channel if incident else None
        privately(client, user, where)(answer(outcome, work.clock.now()))
