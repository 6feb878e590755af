"""The scopes Klaxon needs, in one table: the Slack app manifest asks for them (infra/slack_manifest.py), and the
doctor (`make doctor`, `/klaxon doctor`) checks the bot token's against them.

Each Web API method Klaxon calls is listed with the bot scope Slack's reference gives it (a test keeps the
table in step with the calls in klaxon/slack), each event it subscribes to with the scope that event needs.
"""

from __future__ import annotations

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
    "users.conversations": "channels:read",  # the doctor: which channels Klaxon is in (groups:read: private ones)
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

REQUIRED_SCOPES = frozenset(scope for scope in (*METHOD_SCOPES.values(), *EVENT_SCOPES.values(), *EXTRA_SCOPES)
                            if scope)
"""Every bot scope Klaxon needs: what the manifest asks for, and what the doctor expects the token to have."""
