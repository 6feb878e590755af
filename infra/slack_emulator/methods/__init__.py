"""The Web API methods the emulator implements, by Slack method name."""

from __future__ import annotations

from ..api_call import Handler
from . import bookmarks, chat, conversations, files, items, people, views

METHODS: dict[str, Handler] = {
    **bookmarks.METHODS,
    **chat.METHODS,
    **conversations.METHODS,
    **files.METHODS,
    **items.METHODS,
    **people.METHODS,
    **views.METHODS,
}
