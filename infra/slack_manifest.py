"""The Slack app manifest: every scope, event and command Klaxon needs, so creating the app is one paste.

    .venv/bin/python -m infra.slack_manifest --request-url https://…/slack/events > manifest.json
    .venv/bin/python -m infra.slack_manifest --socket-mode > manifest.json   # the local stack, no public URL

The request URL is the stack's `SlackRequestUrl` output. With `--socket-mode` Slack sends everything
down a WebSocket the app opens (`make serve` with SLACK_APP_TOKEN), so there is no request URL. The
scopes follow from the Web API methods Klaxon calls (METHOD_SCOPES); a test keeps that table in step
with the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from klaxon.slack.actions import CallbackId

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
    # Declared incidents: forms, the comms channel (groups:write below for a private one), its bookmark.
    "views.open": None,
    "views.update": None,
    "conversations.create": "channels:manage",
    "conversations.invite": "channels:manage",
    "conversations.setTopic": "channels:manage",
    "conversations.rename": "channels:manage",
    "bookmarks.add": "bookmarks:write",
    "users.list": "users:read",
    "users.info": "users:read",  # names on the incident pages and in the postmortem
    # The postmortem draft posted as a file (slack_sdk's files_upload_v2 makes both calls: SDK_HELPERS).
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "usergroups.list": "usergroups:read",
    "usergroups.users.list": "usergroups:read",
}
# slack_sdk helpers that make several Web API calls, and the calls they make.
SDK_HELPERS: dict[str, tuple[str, ...]] = {
    "files.upload.v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}
# What Slack must tell Klaxon about, and the scope each event needs.
EVENT_SCOPES: dict[str, str] = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "app_mention": "app_mentions:read",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "pin_added": "pins:read",  # pinned messages go on an incident's timeline
    "pin_removed": "pins:read",
}
# Private channels Klaxon is invited to are looked up and watched like public ones; a private incident's
# comms channel is created, named and its people invited with groups:write.
EXTRA_SCOPES = ("groups:read", "groups:write", "commands")
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
    scopes = {scope for scope in (*METHOD_SCOPES.values(), *EVENT_SCOPES.values(), *EXTRA_SCOPES) if scope}
    at_url = {"url": request_url} if request_url else {}
    return {
        "display_information": {
            "name": "Klaxon",
            "description": "Watches alert channels, reposts what matters, tracks who handled it, escalates the rest.",
            "background_color": "#b3261e",
        },
        "features": {
            "bot_user": {"display_name": "klaxon", "always_online": True},
            "slash_commands": [{"command": command, **at_url, "usage_hint": hint, "description": description,
                                "should_escape": True} for command, hint, description in COMMANDS],
            "shortcuts": [DECLARE_SHORTCUT],
        },
        "oauth_config": {"scopes": {"bot": sorted(scopes)}},
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
