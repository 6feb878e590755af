"""Block Kit and message limits, checked the way Slack checks them, so truncation bugs show up.

Problems are phrased like Slack's own: `[ERROR] must be less than 3001 characters
[json-pointer:/blocks/0/text/text]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_TEXT = 40_000
MAX_ATTACHMENTS = 100
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TITLE = 24

KNOWN_BLOCK_TYPES = frozenset(
    {"actions", "context", "divider", "file", "header", "image", "input", "markdown",
     "rich_text", "section", "video"}
)
_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})


@dataclass(frozen=True)
class BlockProblem:
    """The error code Slack answers with and its `response_metadata.messages`."""

    error: str
    messages: list[str]

    def response(self) -> dict[str, Any]:
        return {
            "ok": False,
            "error": self.error,
            "errors": [m.removeprefix("[ERROR] ") for m in self.messages],
            "response_metadata": {"messages": self.messages},
        }


def check_message(text: str | None, blocks: Any, attachments: Any) -> BlockProblem | None:
    """The first reason Slack would refuse this message, or None."""
    if not text and not blocks and not attachments:
        return BlockProblem("no_text", ["[ERROR] no text, blocks or attachments given"])
    if text and len(text) > MAX_TEXT:
        return BlockProblem("msg_too_long", [_problem(f"must be at most {MAX_TEXT} characters", "/text")])
    if attachments is not None and len(attachments) > MAX_ATTACHMENTS:
        return BlockProblem("too_many_attachments", [_problem("no more than 100 items allowed", "/attachments")])
    return _blocks_problem(blocks, MAX_MESSAGE_BLOCKS, "/blocks")


def check_view(view: Any) -> BlockProblem | None:
    """The first reason Slack would refuse this modal or home view, or None."""
    if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
        return BlockProblem("invalid_arguments", [_problem("must be a modal or home view", "/view/type")])
    title = view.get("title", {}).get("text", "")
    if view["type"] == "modal" and not 0 < len(title) <= MAX_VIEW_TITLE:
        return BlockProblem(
            "invalid_arguments", [_problem(f"must be 1 to {MAX_VIEW_TITLE} characters", "/view/title/text")]
        )
    problem = _blocks_problem(view.get("blocks", []), MAX_VIEW_BLOCKS, "/view/blocks")
    return BlockProblem("invalid_arguments", problem.messages) if problem else None


def _blocks_problem(blocks: Any, limit: int, pointer: str) -> BlockProblem | None:
    if blocks is None:
        return None
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return BlockProblem("invalid_blocks_format", [_problem("must be an array of objects", pointer)])
    messages = check_blocks(blocks, limit=limit, pointer=pointer)
    return BlockProblem("invalid_blocks", messages) if messages else None


def check_blocks(blocks: list[dict[str, Any]], *, limit: int, pointer: str) -> list[str]:
    """Every limit the blocks break, as Slack-style `[ERROR] …` lines."""
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(_problem(f"no more than {limit} items allowed", pointer))
    seen_block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        here = f"{pointer}/{index}"
        block_id = block.get("block_id")
        if block_id is not None:
            problems += _length(block_id, 255, f"{here}/block_id")
            if block_id in seen_block_ids:
                problems.append(_problem(f"duplicate block_id: {block_id}", f"{here}/block_id"))
            seen_block_ids.add(block_id)
        problems += _check_block(block, here)
    return problems


def _check_block(block: dict[str, Any], here: str) -> list[str]:
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        return [_problem(f"unknown block type: {kind}", f"{here}/type")]
    if kind == "section":
        return _check_section(block, here)
    if kind == "header":
        return _check_text(block.get("text"), 150, f"{here}/text", plain_only=True)
    if kind == "context":
        return _count(block.get("elements"), 10, f"{here}/elements")
    if kind == "actions":
        return _check_actions(block, here)
    return []


def _check_section(block: dict[str, Any], here: str) -> list[str]:
    if "text" not in block and "fields" not in block:
        return [_problem("must provide either text or fields", here)]
    problems = _check_text(block["text"], 3000, f"{here}/text") if "text" in block else []
    fields = block.get("fields") or []
    problems += _count(fields, 10, f"{here}/fields", minimum=0)
    for index, item in enumerate(fields):
        problems += _check_text(item, 2000, f"{here}/fields/{index}")
    accessory = block.get("accessory")
    if isinstance(accessory, dict) and accessory.get("type") == "button":
        problems += _check_button(accessory, f"{here}/accessory")
    return problems


def _check_actions(block: dict[str, Any], here: str) -> list[str]:
    elements = block.get("elements") or []
    problems = _count(elements, 25, f"{here}/elements")
    action_ids: set[str] = set()
    for index, element in enumerate(elements):
        at = f"{here}/elements/{index}"
        if element.get("type") == "button":
            problems += _check_button(element, at)
        action_id = element.get("action_id")
        if action_id is not None and action_id in action_ids:
            problems.append(_problem(f"duplicate action_id: {action_id}", f"{at}/action_id"))
        action_ids.add(action_id)
    return problems


def _check_button(button: dict[str, Any], here: str) -> list[str]:
    problems = _check_text(button.get("text"), 75, f"{here}/text", plain_only=True)
    for name, limit in (("action_id", 255), ("value", 2000), ("url", 3000)):
        if name in button:
            problems += _length(button[name], limit, f"{here}/{name}")
    return problems


def _check_text(text: Any, limit: int, here: str, *, plain_only: bool = False) -> list[str]:
    if not isinstance(text, dict) or not isinstance(text.get("text"), str):
        return [_problem("must be a text object", here)]
    allowed = {"plain_text"} if plain_only else _TEXT_TYPES
    if text.get("type") not in allowed:
        return [_problem(f"must be one of {sorted(allowed)}", f"{here}/type")]
    if not text["text"]:
        return [_problem("must be more than 0 characters", f"{here}/text")]
    return _length(text["text"], limit, f"{here}/text")


def _length(value: Any, limit: int, here: str) -> list[str]:
    if len(str(value)) > limit:
        return [_problem(f"must be less than {limit + 1} characters", here)]
    return []


def _count(items: Any, limit: int, here: str, *, minimum: int = 1) -> list[str]:
    count = len(items) if isinstance(items, list) else 0
    if count > limit:
        return [_problem(f"no more than {limit} items allowed", here)]
    if count < minimum:
        return [_problem(f"must have at least {minimum} item(s)", here)]
    return []


def _problem(message: str, pointer: str) -> str:
    return f"[ERROR] {message} [json-pointer:{pointer}]"
