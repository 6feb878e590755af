"""/klaxon from Slack: the command is carried out after the ack, and answered to whoever typed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from klaxon.slack.lazy import acknowledge

if TYPE_CHECKING:
    from klaxon.services import Services

logger = Logger(child=True)


def register(app: App, services: Callable[[], Services]) -> None:
    def run_klaxon_command(body: dict[str, Any], respond: Respond, context: BoltContext, client: WebClient) -> None:
        from klaxon.commands.model import Answer
        from klaxon.commands.service import run_command
        from klaxon.slack import payloads
        from klaxon.slack.errands import errand
        from klaxon.slack.renderers.commands import reply
        from klaxon.slack.telling import by_response_url

        tell = by_response_url(respond, client, payloads.asker(body))
        what = "`/klaxon " + " ".join(str(body.get("text") or "").split()[:2]) + "`"
        answer: Answer | None = None
        with errand(services, body, what[:60], tell, nothing_changed=True) as work:
            if work is None:
                return
            invocation = payloads.invocation(body)
            answer = run_command(invocation, work.console(work.identity(context.bot_user_id, context.bot_id)))
            logger.info("command run", extra={"command": invocation.text.split(" ", 2)[:2], "ok": answer.ok,
                                              "actor": invocation.actor})
        # The answer is sent after the work is done and recorded (and audited, for a change): a person no
        # answer can reach (no response_url, no direct message) must not make Lambda run the command again.
        try:
            for message in reply(answer).messages if answer else ():
                tell(message)
        except Exception:
            logger.exception("the command was carried out, but its answer reached nobody")

    app.command("/klaxon")(ack=acknowledge, lazy=[run_klaxon_command])
