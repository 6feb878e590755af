"""Events API envelopes, and which workspace happenings the app hears about."""

from __future__ import annotations

import base64
import copy
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .messages import permalink
from .state import Channel, WorkspaceState


@dataclass(frozen=True)
class Outgoing:
    """A request for the app, built once so that a retry sends the very same body."""

    id: str
    kind: str  # event | command | interaction | url_verification | raw
    event_type: str
    body: str | bytes  # bytes: any body at all, e.g. one that is not UTF-8 (`send_raw`)
    content_type: str


def json_request(delivery_id: str, kind: str, event_type: str, payload: dict[str, Any]) -> Outgoing:
    return Outgoing(delivery_id, kind, event_type, json.dumps(payload), "application/json")


def form_request(delivery_id: str, kind: str, event_type: str, fields: dict[str, str]) -> Outgoing:
    return Outgoing(delivery_id, kind, event_type, urlencode(fields), "application/x-www-form-urlencoded")


class EventFeed:
    """Turns what happens in the workspace into the events the app is subscribed to.

    The app hears about conversations it is a member of (and its IMs), as a Slack app with
    `message.channels`, `message.groups`, `message.im`, `app_mention`, `reactions:read` and
    `pins:read` does. Messages a Slack app posts itself come back to it as events too.
    """

    def __init__(self, state: WorkspaceState) -> None:
        self._state = state

    def message_posted(self, channel: Channel, message: dict[str, Any]) -> list[Outgoing]:
        """A `message` event, plus an `app_mention` when the app is mentioned in a channel."""
        if not self._hears(channel):
            return []
        event = self._message_event(channel, message)
        out = [self._envelope(event, channel)]
        mention = f"<@{self._state.identity.bot_user_id}>"
        if channel.kind != "im" and mention in message.get("text", ""):
            mentioned = {k: v for k, v in event.items() if k != "channel_type"} | {"type": "app_mention"}
            out.append(self._envelope(mentioned, channel))
        return out

    def message_changed(self, channel: Channel, before: dict[str, Any], after: dict[str, Any]) -> list[Outgoing]:
        """A `message_changed` event with the new and previous message."""
        if not self._hears(channel):
            return []
        ts = self._state.clock.next()
        return [self._envelope({
            "type": "message", "subtype": "message_changed", "message": copy.deepcopy(after),
            "previous_message": copy.deepcopy(before), "channel": channel.id, "hidden": True,
            "ts": ts, "event_ts": ts, "channel_type": channel.channel_type,
        }, channel)]

    def message_deleted(self, channel: Channel, before: dict[str, Any]) -> list[Outgoing]:
        """A `message_deleted` event naming the deleted `ts`."""
        if not self._hears(channel):
            return []
        ts = self._state.clock.next()
        return [self._envelope({
            "type": "message", "subtype": "message_deleted", "hidden": True,
            "deleted_ts": before["ts"], "previous_message": copy.deepcopy(before), "channel": channel.id,
            "ts": ts, "event_ts": ts, "channel_type": channel.channel_type,
        }, channel)]

    def reaction(self, channel: Channel, message: dict[str, Any], user_id: str, name: str,
                 *, added: bool) -> list[Outgoing]:
        """A `reaction_added` or `reaction_removed` event."""
        if not self._hears(channel):
            return []
        event: dict[str, Any] = {
            "type": "reaction_added" if added else "reaction_removed", "user": user_id,
            "reaction": name, "item": {"type": "message", "channel": channel.id, "ts": message["ts"]},
        }
        if message.get("user"):
            event["item_user"] = message["user"]
        event["event_ts"] = self._state.clock.next()
        return [self._envelope(event, channel)]

    def pin(self, channel: Channel, message: dict[str, Any], user_id: str, *, added: bool) -> list[Outgoing]:
        """A `pin_added` or `pin_removed` event carrying the pinned message."""
        if not self._hears(channel):
            return []
        now = int(time.time())
        link = permalink(self._state.identity.team_domain, channel.id, message["ts"], message.get("thread_ts"))
        event: dict[str, Any] = {
            "type": "pin_added" if added else "pin_removed", "user": user_id, "channel_id": channel.id,
            "item": {"type": "message", "created": now, "created_by": user_id, "channel": channel.id,
                     "message": copy.deepcopy(message) | {"permalink": link}},
            "pin_count": str(len(channel.pins)),
            "pinned_info": {"channel": channel.id, "pinned_by": user_id, "pinned_ts": now},
        }
        if message.get("user"):
            event["item_user"] = message["user"]
        if not added:
            event["has_pins"] = bool(channel.pins)
        event["event_ts"] = self._state.clock.next()
        return [self._envelope(event, channel)]

    def _hears(self, channel: Channel) -> bool:
        return self._state.identity.bot_user_id in channel.members

    @staticmethod
    def _message_event(channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
        event = copy.deepcopy(message)
        event |= {"channel": channel.id, "event_ts": message["ts"], "channel_type": channel.channel_type}
        return event

    def _envelope(self, event: dict[str, Any], channel: Channel) -> Outgoing:
        identity = self._state.identity
        event_id = self._state.ids.next("Ev")
        context = json.dumps({"et": event["type"], "tid": identity.team_id, "aid": identity.app_id,
                              "cid": channel.id}, separators=(",", ":"))
        payload = {
            "token": identity.verification_token,
            "team_id": identity.team_id,
            "api_app_id": identity.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(float(event["event_ts"])),
            "authorizations": [{"enterprise_id": None, "team_id": identity.team_id,
                                "user_id": identity.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": "4-" + base64.urlsafe_b64encode(context.encode()).decode().rstrip("="),
        }
        return json_request(event_id, "event", _event_label(event), payload)


def _event_label(event: dict[str, Any]) -> str:
    """`message`, `message.message_changed`, `app_mention`, … for listings and filters."""
    subtype = event.get("subtype")
    return f"{event['type']}.{subtype}" if subtype else event["type"]

