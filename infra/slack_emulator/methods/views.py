"""views.*: modals opened from a trigger, and App Home tabs."""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

from ..api_call import ApiCall, Handler, SlackError
from ..blocks import check_view
from ..messages import with_block_ids
from ..state import OpenView, WorkspaceState


def open_view(call: ApiCall) -> dict[str, Any]:
    """views.open: needs a fresh trigger_id, used once."""
    trigger = call.state.triggers.get(call.text("trigger_id") or "")
    if trigger is None:
        raise SlackError("invalid_trigger_id")
    if trigger.used:
        raise SlackError("exchanged_trigger_id")
    if time.time() - trigger.created > call.settings.trigger_ttl:
        raise SlackError("expired_trigger_id")
    trigger.used = True
    view = _build(call, _view_arg(call, "modal"))
    call.state.views[view["id"]] = OpenView(trigger.user, view)
    return {"ok": True, "view": copy.deepcopy(view)}


def update_view(call: ApiCall) -> dict[str, Any]:
    """views.update: by view_id or external_id; a stale `hash` is a conflict."""
    opened = _find(call)
    if call.text("hash") and call.text("hash") != opened.view["hash"]:
        raise SlackError("hash_conflict")
    opened.view = _build(call, _view_arg(call, "modal"), previous=opened.view)
    return {"ok": True, "view": copy.deepcopy(opened.view)}


def publish_view(call: ApiCall) -> dict[str, Any]:
    """views.publish: a user's App Home tab."""
    user_id = call.text("user_id") or ""
    if user_id not in call.state.users:
        raise SlackError("user_not_found")
    view = _build(call, _view_arg(call, "home"), previous=call.state.home_views.get(user_id))
    call.state.home_views[user_id] = view
    return {"ok": True, "view": copy.deepcopy(view)}


def _find(call: ApiCall) -> OpenView:
    view_id, external_id = call.text("view_id"), call.text("external_id")
    if not view_id and not external_id:
        raise SlackError("invalid_arguments", violation="views.update needs view_id or external_id")
    for opened in call.state.views.values():
        if view_id == opened.view["id"] or (external_id and external_id == opened.view["external_id"]):
            return opened
    raise SlackError("not_found")


def _view_arg(call: ApiCall, kind: str) -> dict[str, Any]:
    view = call.structured("view")
    problem = check_view(view)
    if problem:
        raise SlackError.from_problem(problem)
    assert isinstance(view, dict)  # check_view refuses anything else
    if view["type"] != kind:
        raise SlackError("invalid_arguments", violation=f"{call.method} needs a {kind} view")
    return view


def _build(call: ApiCall, view: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    return build_view(call.state, view, previous)


def build_view(state: WorkspaceState, view: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view object Slack keeps for a view the app sent (a new `V…` id unless it replaces one)."""
    identity = state.identity
    view_id = previous["id"] if previous else state.ids.next("V")
    return {
        "id": view_id, "team_id": identity.team_id, "type": view["type"],
        "blocks": with_block_ids(view.get("blocks", [])),
        "private_metadata": view.get("private_metadata", ""), "callback_id": view.get("callback_id", ""),
        "state": {"values": {}}, "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "title": view.get("title"), "clear_on_close": bool(view.get("clear_on_close")),
        "notify_on_close": bool(view.get("notify_on_close")), "close": view.get("close"),
        "submit": view.get("submit"), "previous_view_id": None, "root_view_id": view_id,
        "app_id": identity.app_id, "external_id": view.get("external_id", ""),
        "app_installed_team_id": identity.team_id, "bot_id": identity.bot_id,
    }


METHODS: dict[str, Handler] = {
    "views.open": open_view,
    "views.update": update_view,
    "views.publish": publish_view,
}
