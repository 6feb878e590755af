"""The Slack app manifest: every scope, event and command Klaxon needs, so creating the app is one paste.

    .venv/bin/python -m infra.slack_manifest --request-url https://…/slack/events > manifest.json

The request URL is the stack's `SlackRequestUrl` output. The scopes follow from the Web API methods
Klaxon calls (METHOD_SCOPES); a test keeps that table in step with the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

# Every Web API method Klaxon calls, and the bot scope it needs.
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.getPermalink": None,
    "conversations.join": "channels:join",
    "conversations.info": "channels:read",
    "conversations.list": "channels:read",
    "conversations.open": "im:write",
    # `rule test <message link>`; groups:history (private channels) comes with the message.groups event.
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
    "reactions.add": "reactions:write",
    "reactions.get": "reactions:read",
    "users.list": "users:read",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
}
# What Slack must tell Klaxon about, and the scope each event needs.
EVENT_SCOPES: dict[str, str] = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "app_mention": "app_mentions:read",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
}
# Private channels Klaxon is invited to are looked up and watched like public ones.
EXTRA_SCOPES = ("groups:read", "commands")


def manifest(request_url: str) -> dict[str, Any]:
    """The manifest for an app whose events, commands and interactivity all go to `request_url`."""
    scopes = {scope for scope in (*METHOD_SCOPES.values(), *EVENT_SCOPES.values(), *EXTRA_SCOPES) if scope}
    return {
        "display_information": {
            "name": "Klaxon",
            "description": "Watches alert channels, reposts what matters, tracks who handled it, escalates the rest.",
            "background_color": "#b3261e",
        },
        "features": {
            "bot_user": {"display_name": "klaxon", "always_online": True},
            "slash_commands": [{
                "command": "/klaxon", "url": request_url, "usage_hint": "help",
                "description": "Alert rules, settings, reports and escalation policies",
                # Escaped, Slack sends <#C…|name> and <@U…> for what people pick: ids, not names.
                "should_escape": True,
            }],
        },
        "oauth_config": {"scopes": {"bot": sorted(scopes)}},
        "settings": {
            "event_subscriptions": {"request_url": request_url, "bot_events": sorted(EVENT_SCOPES)},
            "interactivity": {"is_enabled": True, "request_url": request_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.slack_manifest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--request-url", required=True, help="the stack's SlackRequestUrl output")
    args = parser.parse_args(argv)
    if not args.request_url.startswith("https://"):
        parser.error("Slack only sends to https:// request URLs")
    json.dump(manifest(args.request_url), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
