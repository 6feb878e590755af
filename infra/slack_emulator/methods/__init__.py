"""The Web API methods the emulator implements, by Slack method name."""

from __future__ import annotations

from ..api_call import Handler
from . import chat, conversations, items, people, views

METHODS: dict[str, Handler] = {
    **chat.METHODS,
    **conversations.METHODS,
    **items.METHODS,
    **people.METHODS,
    **views.METHODS,
}
