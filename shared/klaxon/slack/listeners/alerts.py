"""Alerts from Slack: every message in a watched channel goes to the intake (and, in a comms channel, gets
its keyword replies); a handled reaction, or an alert post's Acknowledge or Resolve button, handles its alert
(and a mention's page, for a reaction on it); a 📌 in a comms channel goes on its incident's timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from klaxon.slack.actions import ActionId
from klaxon.slack.lazy import acknowledge, delivery_id, lazy_work
from klaxon.slack.listeners.incidents import keyword_replies, pushpin

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


def register(app: App, services: Callable[[], Services]) -> None:
    def judge_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        from klaxon.alerts.intake import take_message
        from klaxon.paging import service as paging
        from klaxon.slack import payloads
        from klaxon.slack.inbound import channel_message

        with lazy_work(services, body) as work:
            if work is None:
                return
            if event.get("channel_type") == "im":
                if not event.get("subtype") and not event.get("bot_id"):  # a person wrote to Klaxon
                    channel = payloads.direct_message_channel(event)
                    paging.answer_direct_message(channel, work.pager(), work.configuration())
                return
            message = channel_message(event)
            if message is None:
                return
            keyword_replies(work, message, context.bot_user_id)
            judgement = take_message(message, work.intake(work.identity(context.bot_user_id, context.bot_id)))
            logger.info("message judged", extra={"verdict": judgement.verdict, "reason": judgement.reason,
                                                 "channel": message.channel, "ts": message.ts})

    def track_reaction(body: dict[str, Any], event: dict[str, Any]) -> None:
        from klaxon.alerts import handling
        from klaxon.incidents.listening import is_pushpin
        from klaxon.paging import service as paging
        from klaxon.slack import payloads

        with lazy_work(services, body) as work:
            if work is None:
                return
            change = payloads.reaction_change(event, work.clock.now())
            if change is None:
                return  # a reaction on a file: nothing Klaxon tracks
            if is_pushpin(change.reaction) and pushpin(work, change, delivery_id(body)):
                return  # a 📌 in a comms channel: on the incident's timeline
            effect = handling.on_reaction(change, store=work.store, slack=work.slack,
                                          configuration=work.configuration, publish=work.publish)
            if change.added and effect.page_id:  # a handled reaction on the message a mention paged from
                paging.acknowledge(effect.page_id, change.user, work.pager())
            if effect.alert is not None:
                logger.info("alert handling changed", extra={"alert": effect.alert.id, "state": effect.alert.state,
                                                             "by": change.user, "reaction": change.reaction})

    def press_alert_button(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        from klaxon.alerts import handling
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.telling import by_response_url

        acknowledging = action.get("action_id") == ActionId.ACKNOWLEDGE_ALERT
        what = "your acknowledgement of the alert" if acknowledging else "resolving the alert"
        with errand(services, body, what, by_response_url(respond, client, payloads.asker(body))) as work:
            if work is None:
                return
            click = payloads.button_press(body, action)
            press = handling.acknowledge if acknowledging else handling.resolve
            alert = press(click.value, click.user, work.clock.now(), store=work.store, slack=work.slack,
                          publish=work.publish)
            logger.info("alert button pressed", extra={"alert": click.value, "action": click.action_id,
                                                       "state": alert.state if alert else "unknown alert"})

    app.event("message")(ack=acknowledge, lazy=[judge_message])
    app.event("reaction_added")(ack=acknowledge, lazy=[track_reaction])
    app.event("reaction_removed")(ack=acknowledge, lazy=[track_reaction])
    app.action(ActionId.ACKNOWLEDGE_ALERT.value)(ack=acknowledge, lazy=[press_alert_button])
    app.action(ActionId.RESOLVE_ALERT.value)(ack=acknowledge, lazy=[press_alert_button])
    # A link button opens its URL in the browser; Slack still reports the click, which needs only an ack.
    app.action(ActionId.OPEN_ORIGINAL.value)(acknowledge)
