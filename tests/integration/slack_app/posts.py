"""Reading what Klaxon posted in the emulated workspace: a channel's messages, a block's text, and whether a
request left anything behind."""

from __future__ import annotations

from typing import Any

from infra.driver import StackDriver


def posts(stack: StackDriver, channel: str = "#incidents") -> list[dict[str, Any]]:
    return stack.workspace.messages(channel)


def block(message: dict[str, Any], block_id: str) -> str:
    """The text of one of a message's blocks (a section's, or a context's first element)."""
    found = next(b for b in message["blocks"] if b["block_id"] == block_id)
    return str(found["text"]["text"] if "text" in found else found["elements"][0]["text"])


def nothing_stored(stack: StackDriver) -> bool:
    """No alert, no source's key, no post: what a refused webhook request must leave."""
    return stack.items("ALERT#") == [] and stack.items("SOURCE#") == [] and posts(stack) == []
