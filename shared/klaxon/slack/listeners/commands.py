"""/klaxon from Slack: the command is carried out after the ack, and answered to whoever typed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltContext, Respond

from klaxon.slack.lazy import acknowledge, lazy_work

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


def register(app: App, services: Callable[[], Services]) -> None:
    def run_klaxon_command(body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        from klaxon.commands.service import Invocation, run_command
        from klaxon.slack.renderers.commands import reply

        with lazy_work(services, body) as work:
            if work is None:
                return
            invocation = Invocation(text=body.get("text") or "", actor=body["user_id"], channel=body["channel_id"])
            answer = run_command(invocation, work.console(work.identity(context.bot_user_id, context.bot_id)))
            logger.info("command run", extra={"command": invocation.text.split(" ", 2)[:2], "ok": answer.ok,
                                              "actor": invocation.actor})
            for message in reply(answer).messages:
                respond(text=message, response_type="ephemeral", replace_original=False)

    app.command("/klaxon")(ack=acknowledge, lazy=[run_klaxon_command])
