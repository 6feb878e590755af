"""Bolt listeners: each acks at once; its lazy half parses the payload, calls one klaxon service, logs.

The domain (rules, RE2, alerting) is imported inside the lazy halves: acknowledging Slack needs none
of it, and a cold start's ack should not wait for it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from slack_bolt import Ack, App, BoltContext, Respond

from klaxon.bootstrap import Runtime
from klaxon.slack.actions import ActionId
from klaxon.slack.app import lazy_work

if TYPE_CHECKING:
    from klaxon.alerting import Identity

logger = Logger(child=True)
metrics = Metrics()


def acknowledge(ack: Ack) -> None:
    """The ack half of every event listener: answer Slack now, work later."""
    ack()


def register(app: App, rt: Runtime) -> None:
    """Attach every listener to the app."""

    def identity(context: BoltContext) -> Identity:
        from klaxon.alerting import Identity

        return Identity(context.bot_user_id, context.bot_id, rt.settings.incidents_channel)

    def judge_message(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        from klaxon import paging
        from klaxon.alerting import Verdict, handle_channel_message
        from klaxon.slack import payloads
        from klaxon.slack.inbound import channel_message

        with lazy_work(rt, body) as first:
            if not first:
                return
            if event.get("channel_type") == "im":
                if not event.get("subtype") and not event.get("bot_id"):  # a person wrote to Klaxon
                    channel = payloads.direct_message_channel(event)
                    paging.answer_direct_message(channel, rt.pager(), rt.configuration())
                return
            message = channel_message(event)
            if message is None:
                return
            judgement = handle_channel_message(message, config=rt.configuration(), me=identity(context),
                                               store=rt.store, slack=rt.slack, now=rt.clock.now())
            logger.info("message judged", extra={"verdict": judgement.verdict, "reason": judgement.reason,
                                                 "channel": message.channel, "ts": message.ts})
            if judgement.verdict is Verdict.ALERT:
                metrics.add_metric(name="AlertsMatched", unit=MetricUnit.Count, value=1)

    def run_klaxon_command(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        from klaxon.commands.replies import Reply
        from klaxon.commands.service import run_command
        from klaxon.slack import payloads
        from klaxon.slack.errands import by_response_url, errand

        tell = by_response_url(respond, rt.slack_client, payloads.asker(body))
        what = "`/klaxon " + " ".join(str(body.get("text") or "").split()[:2]) + "`"
        reply: Reply | None = None
        with errand(rt, body, what, tell, nothing_changed=True) as first:
            if not first:
                return
            invocation = payloads.invocation(body)
            reply = run_command(invocation, rt.console(identity(context)))
            logger.info("command run", extra={"command": invocation.text.split(" ", 2)[:2], "ok": reply.ok,
                                              "actor": invocation.actor})
        # The answer is sent after the work is done and recorded (and audited, for a change): a person no
        # answer can reach (no response_url, no direct message) must not make Lambda run the command again.
        try:
            for message in reply.messages if reply else ():
                tell(message)
        except Exception:
            logger.exception("the command was carried out, but its answer reached nobody")

    def track_reaction(body: dict[str, Any], event: dict[str, Any]) -> None:
        from klaxon import paging
        from klaxon.slack import payloads

        with lazy_work(rt, body) as first:
            if not first:
                return
            change = payloads.reaction_change(event, rt.clock.now())
            if change is None:
                return  # a reaction on a file: nothing Klaxon tracks
            effect = paging.on_handled_reaction(change, rt.pager(), rt.configuration)
            if effect.alert is not None:
                logger.info("alert handling changed", extra={"alert": effect.alert.id, "state": effect.alert.state,
                                                             "by": change.user, "reaction": change.reaction})
                if change.added:
                    metrics.add_metric(name="Acknowledgements", unit=MetricUnit.Count, value=1)

    def press_alert_button(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        from klaxon import paging
        from klaxon.slack import payloads
        from klaxon.slack.errands import by_response_url, errand

        verb = "acknowledge" if action.get("action_id") == ActionId.ACKNOWLEDGE_ALERT else "resolve"
        what = "your acknowledgement of the alert" if verb == "acknowledge" else "resolving the alert"
        with errand(rt, body, what, by_response_url(respond, rt.slack_client, payloads.asker(body))) as first:
            if not first:
                return
            press = payloads.button_press(body, action)
            alert = paging.press_alert_button(verb, press.value, press.user, rt.pager())
            logger.info("alert button pressed", extra={"alert": press.value, "action": verb,
                                                       "state": alert.state if alert else "unknown alert"})

    def page_from_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        from klaxon import paging
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand, in_thread

        tell = in_thread(rt.slack_client, str(event.get("channel") or ""),
                         str(event.get("thread_ts") or event.get("ts") or ""), str(event.get("user") or ""))
        with errand(rt, body, "the page you asked for", tell) as first:
            if not first:
                return
            mention = payloads.mention(event)
            page = paging.on_mention(mention, context.bot_user_id, rt.pager(), rt.configuration())
            if page is not None:
                logger.info("paging", extra={"page": page.id, "policy": page.policy.name})
                metrics.add_metric(name="PagesStarted", unit=MetricUnit.Count, value=1)

    def acknowledge_page(body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        from klaxon import paging
        from klaxon.slack import payloads
        from klaxon.slack.errands import by_response_url, errand

        tell = by_response_url(respond, rt.slack_client, payloads.asker(body))
        with errand(rt, body, "your acknowledgement of the page", tell) as first:
            if not first:
                return
            press = payloads.button_press(body, action)
            page = paging.acknowledge(press.value, press.user, rt.pager())
            logger.info("page acknowledged" if page else "page was no longer active", extra={"page": press.value})

    app.event("app_mention")(ack=acknowledge, lazy=[page_from_mention])
    app.event("message")(ack=acknowledge, lazy=[judge_message])
    app.event("reaction_added")(ack=acknowledge, lazy=[track_reaction])
    app.event("reaction_removed")(ack=acknowledge, lazy=[track_reaction])
    app.command("/klaxon")(ack=acknowledge, lazy=[run_klaxon_command])
    app.action(ActionId.ACKNOWLEDGE_ALERT.value)(ack=acknowledge, lazy=[press_alert_button])
    app.action(ActionId.RESOLVE_ALERT.value)(ack=acknowledge, lazy=[press_alert_button])
    app.action(ActionId.ACKNOWLEDGE_PAGE.value)(ack=acknowledge, lazy=[acknowledge_page])
    # A link button opens its URL in the browser; Slack still reports the click, which needs only an ack.
    app.action(ActionId.OPEN_ORIGINAL.value)(acknowledge)
    app.action(ActionId.OPEN_PAGE_SOURCE.value)(acknowledge)

    # Anything else Slack sends is acknowledged and ignored: an unanswered event is retried by Slack
    # and, if it keeps failing, Slack turns the app's event subscription off.
    app.event(re.compile(".*"))(acknowledge)
