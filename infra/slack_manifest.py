"""The Slack app manifest: every scope, event and command Klaxon needs, so creating the app is one paste.

    .venv/bin/python -m infra.slack_manifest --request-url https://…/slack/events > manifest.json
    .venv/bin/python -m infra.slack_manifest --socket-mode > manifest.json   # the local stack, no public URL

The request URL is the stack's `SlackRequestUrl` output. With `--socket-mode` Slack sends everything
down a WebSocket the app opens (`make serve` with SLACK_APP_TOKEN), so there is no request URL. The
scopes are klaxon.slack.scopes' table, the one the doctor checks a token against.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from klaxon.slack.actions import CallbackId
from klaxon.slack.scopes import EVENT_SCOPES, REQUIRED_SCOPES

# The slash commands (registered with escaping on: Slack sends <#C…|name> and <@U…> for what people pick)
# and the message shortcut; all go to the one request URL.
COMMANDS = (("/klaxon", "help", "Alert rules, settings, reports and escalation policies"),
            ("/incident", "[what is happening] | list [open|closed] [last 30d] | <command> in an incident's channel",
             "Declare an incident, list recent ones; in an incident's channel, run its commands"))
DECLARE_SHORTCUT = {"name": "Declare incident", "type": "message",
                    "callback_id": CallbackId.DECLARE_FROM_MESSAGE.value,
                    "description": "Declare an incident about this message"}


def manifest(request_url: str | None) -> dict[str, Any]:
    """The manifest for an app whose events, commands and interactivity all go to `request_url`.

    `request_url=None` is the Socket Mode app: the same scopes, events and command, no URLs at all.
    """
    at_url = {"url": request_url} if request_url else {}
    return {
        "display_information": {
            "name": "Klaxon",
            "description": "Watches alert channels, reposts what matters, tracks who handled it, escalates the rest.",
            "background_color": "#b3261e",
        },
        "features": {
            # A direct message to Klaxon gets the workspace's reply (SPEC §3): people must be able to write one.
            "app_home": {"home_tab_enabled": False, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": "klaxon", "always_online": True},
            "slash_commands": [{"command": command, **at_url, "usage_hint": hint, "description": description,
                                "should_escape": True} for command, hint, description in COMMANDS],
            "shortcuts": [DECLARE_SHORTCUT],
        },
        "oauth_config": {"scopes": {"bot": sorted(REQUIRED_SCOPES)}},
        "settings": {
            "event_subscriptions": {**({"request_url": request_url} if request_url else {}),
                                    "bot_events": sorted(EVENT_SCOPES)},
            "interactivity": {"is_enabled": True, **({"request_url": request_url} if request_url else {})},
            "org_deploy_enabled": False,
            "socket_mode_enabled": request_url is None,
            "token_rotation_enabled": False,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.slack_manifest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--request-url", help="the stack's SlackRequestUrl output")
    where.add_argument("--socket-mode", action="store_true", help="no request URL: Slack talks over Socket Mode")
    args = parser.parse_args(argv)
    if args.request_url and not args.request_url.startswith("https://"):
        parser.error("Slack only sends to https:// request URLs")
    json.dump(manifest(None if args.socket_mode else args.request_url), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
