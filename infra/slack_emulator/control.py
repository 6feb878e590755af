"""The control API under `/_emulator/`: set up the workspace, act in it, and look at it (JSON)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from .activity import Activity
from .delivery import Deliverer
from .errors import ControlError
from .faults import FaultRate, Faults
from .interactions import Interactions
from .population import Population, populate
from .rate_limits import RateLimits
from .records import Record
from .render import render
from .settings import Settings
from .socket_mode import SocketMode
from .state import WorkspaceState

Route = Callable[[dict[str, Any]], Any]


class Control:
    """Routes `/_emulator/<name>` requests to the workspace."""

    def __init__(self, state: WorkspaceState, settings: Settings, deliverer: Deliverer, faults: Faults,
                 activity: Activity, interactions: Interactions, rate_limits: RateLimits,
                 socket_mode: SocketMode) -> None:
        self._state = state
        self._settings = settings
        self._deliverer = deliverer
        self._faults = faults
        self._activity = activity
        self._interactions = interactions
        self._rate_limits = rate_limits
        self._socket_mode = socket_mode
        self._posts: dict[str, Route] = {
            "users": self._add_user, "bots": self._add_bot, "channels": self._add_channel,
            "usergroups": self._add_usergroup, "invite": self._invite, "post": self._post, "edit": self._edit,
            "unfurl": self._unfurl,
            "delete": self._delete, "react": self._react, "unreact": self._unreact, "pin": self._pin,
            "unpin": self._unpin, "command": self._command, "click": self._click, "shortcut": self._shortcut,
            "archive": self._archive,
            "submit_view": self._submit_view, "redeliver": self._redeliver,
            "url_verification": self._verify_url, "raw": self._raw, "faults": self._arm_fault,
            "fault_rate": self._fault_rate,
            "config": self._configure, "reset": self._reset, "wait_idle": self._wait_idle,
            "rate_limits": self._switch_rate_limits, "populate": self._populate,
            "socket_disconnect": self._socket_disconnect, "scopes": self._grant_scopes,
        }
        self._gets: dict[str, Route] = {
            "state": self._snapshot, "calls": self._calls, "violations": self._violations,
            "deliveries": self._deliveries, "messages": self._messages, "thread": self._thread,
            "ephemerals": self._ephemerals, "ims": self._ims, "responses": self._responses,
            "socket_connections": self._socket_connections, "files": self._files,
        }

    def handle(self, verb: str, name: str, params: dict[str, Any]) -> tuple[str, str]:
        """The content type and body answering `verb /_emulator/name` (raises ControlError)."""
        if verb == "GET" and name == "render":
            with self._state.lock:
                return "text/plain; charset=utf-8", render(self._state)
        routes = self._gets if verb == "GET" else self._posts
        route = routes.get(name)
        if route is None:
            raise ControlError(f"no control endpoint {verb} /_emulator/{name}", 404)
        try:
            result = route(params)
        except (KeyError, TypeError, ValueError) as error:
            raise ControlError(f"bad request to /_emulator/{name}: {error!r}") from error
        # Serialised under the lock: results may be live parts of the workspace.
        with self._state.lock:
            return "application/json", json.dumps(result.to_dict() if isinstance(result, Record) else result)

    # Setting up

    def _add_user(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            return self._state.add_user(p["name"], p.get("real_name"), p.get("tz", "UTC"),
                                        bool(p.get("is_admin")), p.get("email"))

    def _add_bot(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            return asdict(self._state.add_bot(p["name"]))

    def _add_channel(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            members = [self._activity.user(m)["id"] for m in p.get("members", [])]
            channel = self._state.add_channel(p["name"], is_private=bool(p.get("is_private")), members=members,
                                              bot_member=p.get("bot_member", True))
            return channel.conversation(self._state.identity.bot_user_id) | {"members": channel.members}

    def _add_usergroup(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            users = [self._activity.user(u)["id"] for u in p.get("users", [])]
            return self._state.add_usergroup(p["handle"], users, p.get("name"))

    def _populate(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            return populate(self._state, Population(**p)).to_dict()

    def _invite(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            channel = self._activity.channel(p["channel"])
            klaxon = self._state.identity.bot_user_id
            user = klaxon if p["user"] in ("klaxon", klaxon) else self._activity.user(p["user"])["id"]
            if user not in channel.members:
                channel.members.append(user)
            return {"ok": True, "channel": channel.id, "user": user}

    # Acting

    def _post(self, p: dict[str, Any]) -> Any:
        return self._activity.post(
            p["channel"], p.get("text", ""), user=p.get("user"), bot=p.get("bot"), as_app=bool(p.get("as_app")),
            blocks=p.get("blocks"), attachments=p.get("attachments"), thread_ts=p.get("thread_ts"),
            reply_broadcast=bool(p.get("reply_broadcast")),
        )

    def _edit(self, p: dict[str, Any]) -> Any:
        return self._activity.edit(p["channel"], p["ts"], p.get("text"), blocks=p.get("blocks"),
                                   attachments=p.get("attachments"))

    def _unfurl(self, p: dict[str, Any]) -> Any:
        return self._activity.unfurl(p["channel"], p["ts"], p["attachments"])

    def _delete(self, p: dict[str, Any]) -> Any:
        return self._activity.delete(p["channel"], p["ts"])

    def _react(self, p: dict[str, Any]) -> Any:
        return self._activity.react(p["user"], p["channel"], p["ts"], p["name"])

    def _unreact(self, p: dict[str, Any]) -> Any:
        return self._activity.react(p["user"], p["channel"], p["ts"], p["name"], added=False)

    def _pin(self, p: dict[str, Any]) -> Any:
        return self._activity.pin(p["user"], p["channel"], p["ts"])

    def _unpin(self, p: dict[str, Any]) -> Any:
        return self._activity.pin(p["user"], p["channel"], p["ts"], added=False)

    def _command(self, p: dict[str, Any]) -> Any:
        return self._interactions.command(p["user"], p["channel"], p["command"], p.get("text", ""),
                                          escape=p.get("escape", True))

    def _click(self, p: dict[str, Any]) -> Any:
        return self._interactions.click(p["user"], p["channel"], p["ts"], p["action_id"], p.get("value"))

    def _shortcut(self, p: dict[str, Any]) -> Any:
        return self._interactions.message_shortcut(p["user"], p["channel"], p["ts"], p["callback_id"])

    def _archive(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            channel = self._activity.channel(p["channel"])
            channel.is_archived = True
            return channel.conversation(self._state.identity.bot_user_id)

    def _submit_view(self, p: dict[str, Any]) -> Any:
        return self._interactions.submit_view(p["user"], p["view_id"], p.get("values"))

    def _redeliver(self, p: dict[str, Any]) -> Any:
        try:
            pending = self._deliverer.redeliver(p["id"], p.get("retry_num"), p.get("reason"))
        except KeyError:
            raise ControlError(f"no delivery {p['id']}", 404) from None
        return pending.result()

    def _verify_url(self, p: dict[str, Any]) -> Any:
        return self._interactions.verify_url(p.get("challenge"))

    def _raw(self, p: dict[str, Any]) -> Any:
        signing = p.get("signing", "valid")
        if signing not in ("valid", "bad", "none"):
            raise ControlError("signing is one of valid, bad, none")
        # Bytes that are not text travel base64-encoded through the (JSON) control API.
        body = base64.b64decode(p["body_base64"]) if "body_base64" in p else p["body"]
        return self._interactions.send_raw(body, p.get("content_type", "application/json"),
                                           signing=signing, timestamp_age=int(p.get("timestamp_age", 0)))

    # Configuring

    def _arm_fault(self, p: dict[str, Any]) -> Any:
        self._faults.arm(p["method"], int(p.get("status", 429)), int(p.get("count", 1)),
                         int(p.get("retry_after", 1)), p.get("error"), p.get("extra"), float(p.get("delay", 0)))
        return {"ok": True}

    def _fault_rate(self, p: dict[str, Any]) -> Any:
        rate = float(p.get("rate", 0))
        self._faults.set_rate(FaultRate(rate, {k: float(v) for k, v in p.get("weights", {}).items()},
                                        int(p.get("retry_after", 1)), float(p.get("delay", 1.5)),
                                        int(p.get("seed", 7))) if rate else None)
        return {"ok": True, "injected": dict(self._faults.injected)}

    def _switch_rate_limits(self, p: dict[str, Any]) -> Any:
        self._rate_limits.enabled = bool(p["enabled"])
        return {"enabled": self._rate_limits.enabled}

    def _grant_scopes(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            self._state.bot_scopes = tuple(p["scopes"])
            return {"scopes": list(self._state.bot_scopes)}

    def _socket_disconnect(self, p: dict[str, Any]) -> Any:
        return {"told": self._socket_mode.disconnect(p.get("reason", "refresh_requested"))}

    def _configure(self, p: dict[str, Any]) -> Any:
        for name in ("app_url", "signing_secret", "delivery_timeout", "trigger_ttl", "socket_mode",
                     "socket_retry_delays"):
            if name in p:
                setattr(self._settings, name, tuple(p[name]) if name == "socket_retry_delays" else p[name])
        return asdict(self._settings)

    def _reset(self, _: dict[str, Any]) -> Any:
        self._deliverer.wait_idle(self._settings.delivery_timeout)
        self._state.reset()
        self._deliverer.reset()
        self._faults.clear()
        self._rate_limits.reset()
        self._socket_mode.reset()
        return {"ok": True}

    def _wait_idle(self, p: dict[str, Any]) -> Any:
        return {"idle": self._deliverer.wait_idle(float(p.get("timeout", 10.0)))}

    # Looking

    def _snapshot(self, _: dict[str, Any]) -> Any:
        with self._state.lock:
            state = self._state
            return {
                "identity": asdict(state.identity) | {"team_url": state.identity.team_url},
                "settings": asdict(self._settings),
                "users": list(state.users.values()),
                "bots": [asdict(b) for b in state.bots.values()],
                "channels": [c.conversation(state.identity.bot_user_id)
                             | {"members": c.members, "messages": c.messages, "pins": c.pins, "bookmarks": c.bookmarks}
                             for c in state.channels.values()],
                "usergroups": list(state.usergroups.values()),
                "ephemerals": dict(state.ephemerals),
                "views": {view_id: {"user": o.user, "view": o.view} for view_id, o in state.views.items()},
                "home_views": state.home_views,
                "responses": state.responses,
            }

    def _calls(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            return [c.to_dict() for c in self._state.calls if p.get("method") in (None, c.method)]

    def _violations(self, _: dict[str, Any]) -> Any:
        with self._state.lock:
            return [v.to_dict() for v in self._state.violations]

    def _deliveries(self, _: dict[str, Any]) -> Any:
        return [d.to_dict() for d in self._deliverer.deliveries()]

    def _messages(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            return self._activity.channel(p["channel"]).top_level()

    def _thread(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            channel = self._activity.channel(p["channel"])
            root = self._state.thread_root(channel, p["ts"])
            if root is None:
                raise ControlError(f"no message {p['ts']} in {channel.id}", 404)
            return channel.thread(root["ts"])

    def _ephemerals(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            return list(self._state.ephemerals.get(self._activity.user(p["user"])["id"], []))

    def _ims(self, p: dict[str, Any]) -> Any:
        with self._state.lock:
            user_id = self._activity.user(p["user"])["id"]
            im = next((c for c in self._state.channels.values() if c.kind == "im" and c.im_user == user_id), None)
            return im.messages if im else []

    def _files(self, _: dict[str, Any]) -> Any:
        with self._state.lock:
            return list(self._state.files.values())

    def _socket_connections(self, _: dict[str, Any]) -> Any:
        return self._socket_mode.connections()

    def _responses(self, _: dict[str, Any]) -> Any:
        with self._state.lock:
            return list(self._state.responses)
