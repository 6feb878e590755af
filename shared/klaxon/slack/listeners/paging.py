"""Paging from Slack: a mention of Klaxon pages its channel's policy (in an incident's comms channel it is a
command instead, never a page); a page's button acknowledges it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from klaxon.slack.actions import ActionId
from klaxon.slack.lazy import acknowledge, delivery_id
from klaxon.slack.listeners.incidents import command_from_mention

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


def register(app: App, services: Callable[[], Services]) -> None:
    def page_from_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        from klaxon.paging import service as paging
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.telling import in_thread

        tell = in_thread(client, str(event.get("channel") or ""), str(event.get("thread_ts") or event.get("ts") or ""),
                         str(event.get("user") or ""))
        asked = ["the page you asked for"]
        with errand(services, body, lambda: asked[0], tell) as work:
            if work is None:
                return
            mention = payloads.mention(event)
            incident_id = work.store.incidents.in_channel(mention.channel)  # in a comms channel: a command
            if incident_id is not None:
                asked[0] = "your `@klaxon` command"
                command_from_mention(work, client, event, context.bot_user_id, incident_id, delivery_id(body))
                return
            page = paging.on_mention(mention, context.bot_user_id, work.pager(), work.current_configuration)
            if page is not None:
                logger.info("paging", extra={"page": page.id, "policy": page.policy.name})

    def acknowledge_page(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        from klaxon.paging import service as paging
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.telling import by_response_url

        tell = by_response_url(respond, client, payloads.asker(body))
        with errand(services, body, "your acknowledgement of the page", tell) as work:
            if work is None:
                return
            click = payloads.button_press(body, action)
            page = paging.acknowledge(click.value, click.user, work.pager())
            logger.info("page acknowledged" if page else "page was no longer active", extra={"page": click.value})

    app.event("app_mention")(ack=acknowledge, lazy=[page_from_mention])
    app.action(ActionId.ACKNOWLEDGE_PAGE.value)(ack=acknowledge, lazy=[acknowledge_page])
    app.action(ActionId.OPEN_PAGE_SOURCE.value)(acknowledge)  # a link button: the click needs only an ack
