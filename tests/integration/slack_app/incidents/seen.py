"""Helpers for the incident tests: declare through the real form, find the headline post and the comms channel."""

from __future__ import annotations

from typing import Any

from infra.driver import StackDriver

BOT = "U0KLAXON"


def open_forms(stack: StackDriver, user: str) -> list[dict[str, Any]]:
    """The forms (modals) Slack shows `user` now, oldest first."""
    return [opened["view"] for opened in stack.workspace.state()["views"].values() if opened["user"] == user]


def declare(stack: StackDriver, user: str, channel: str, text: str = "", **values: Any) -> Any:
    """`/incident text` in `channel`, then the form submitted with `values` (by input); the submission's outcome."""
    stack.workspace.command(user, channel, "/incident", text)
    (form,) = open_forms(stack, user)
    outcome = stack.workspace.submit_view(user, form["id"], values)
    stack.settle()
    return outcome


def headlines(stack: StackDriver, channel: str = "#incidents") -> list[dict[str, Any]]:
    return [m for m in stack.workspace.messages(channel)
            if any(b.get("block_id", "").startswith("incident.") for b in m.get("blocks", []))]


def block(message: dict[str, Any], block_id: str) -> dict[str, Any] | None:
    return next((b for b in message.get("blocks", []) if b.get("block_id") == block_id), None)


def buttons(message: dict[str, Any]) -> list[str]:
    actions = block(message, "incident.actions")
    return [element["action_id"] for element in actions["elements"]] if actions else []


def channel_named(stack: StackDriver, prefix: str) -> dict[str, Any] | None:
    return next((c for c in stack.workspace.state()["channels"] if c.get("name", "").startswith(prefix)), None)


def said_by_klaxon(stack: StackDriver, channel: str) -> list[str]:
    return [m["text"] for m in stack.workspace.messages(channel) if m.get("user") == BOT or m.get("bot_id")]


def incident_items(stack: StackDriver) -> list[dict[str, Any]]:
    """The incidents stored (a test's look at the table; Klaxon never scans)."""
    return [item for item in stack.items("INCIDENT#") if item["sk"] == "INCIDENT"]


def timeline_texts(stack: StackDriver) -> list[str]:
    return [str(item["text"]) for item in stack.items("INCIDENT#") if str(item["sk"]).startswith("TL#")]


def comms_channel(stack: StackDriver, user: str, **values: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An incident declared in #ops (severity 1 unless given, so it has its comms channel); the channel and
    the headline post."""
    declare(stack, user, "#ops", values.pop("text", "checkout fails for EU customers"),
            **{"severity": "1", **values})
    channel = channel_named(stack, "inc-")
    assert channel is not None, "severity 1 opens the comms channel"
    (headline,) = headlines(stack)
    return channel, headline


def headline_now(stack: StackDriver) -> dict[str, Any]:
    (headline,) = headlines(stack)
    return headline
