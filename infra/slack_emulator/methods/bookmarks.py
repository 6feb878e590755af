"""bookmarks.*: links bookmarked in a channel's header (newer than the 2021 spec: spec_supplement.py).

Shapes and errors from docs.slack.dev/reference/methods/bookmarks.add and bookmarks.list; only `link`
bookmarks are emulated.
"""

from __future__ import annotations

import time
from typing import Any

from ..api_call import ApiCall, Handler, SlackError
from ..state import Channel


def add(call: ApiCall) -> dict[str, Any]:
    """bookmarks.add: a link bookmark in a channel the app is in."""
    channel = _channel(call)
    if call.text("type") != "link":
        raise SlackError("invalid_bookmark_type", violation="only link bookmarks are emulated")
    link = call.text("link") or ""
    if not link.startswith(("https://", "http://")):
        raise SlackError("invalid_link")
    now = int(time.time())
    bookmark = {
        "id": call.state.ids.next("Bk"), "channel_id": channel.id, "title": call.text("title"), "link": link,
        "emoji": call.text("emoji", ""), "icon_url": None, "type": "link", "entity_id": None, "date_created": now,
        "date_updated": 0, "rank": "U", "last_updated_by_user_id": call.bot_user_id,
        "last_updated_by_team_id": call.state.identity.team_id, "shortcut_id": None, "app_id": None,
    }
    channel.bookmarks.append(bookmark)
    return {"ok": True, "bookmark": dict(bookmark)}


def list_bookmarks(call: ApiCall) -> dict[str, Any]:
    """bookmarks.list"""
    return {"ok": True, "bookmarks": [dict(bookmark) for bookmark in _channel(call).bookmarks]}


def remove(call: ApiCall) -> dict[str, Any]:
    """bookmarks.remove"""
    channel = _channel(call)
    found = [b for b in channel.bookmarks if b["id"] == call.text("bookmark_id")]
    if not found:
        raise SlackError("not_found")
    channel.bookmarks.remove(found[0])
    return {"ok": True}


def _channel(call: ApiCall) -> Channel:
    # bookmarks.* name the channel `channel_id`, not `channel`.
    call.args.setdefault("channel", call.args.get("channel_id"))
    return call.conversation(writable=call.method != "bookmarks.list")


METHODS: dict[str, Handler] = {
    "bookmarks.add": add,
    "bookmarks.list": list_bookmarks,
    "bookmarks.remove": remove,
}
