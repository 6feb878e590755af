"""The workspace: people, bots, channels with their messages, and what the app has opened.

One re-entrant lock guards all of it; callers hold `state.lock` for a whole operation.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .ids import IdFactory, TsClock
from .messages import Bot, with_block_ids
from .records import CallRecord, Violation
from .settings import Identity

_CHANNEL_TYPES = {"public": "channel", "private": "group", "im": "im", "mpim": "mpim"}
_THREAD_SUMMARY = ("reply_count", "reply_users", "reply_users_count", "latest_reply", "is_locked", "subscribed")


@dataclass
class Channel:
    """A conversation: public (`C…`) or private (`G…`) channel, IM (`D…`) or group DM."""

    id: str
    name: str
    kind: str  # public | private | im | mpim
    created: int
    creator: str
    members: list[str]
    topic: dict[str, Any]
    purpose: dict[str, Any]
    is_archived: bool = False
    # Every message, thread replies included, in `ts` order.
    messages: list[dict[str, Any]] = field(default_factory=list)
    pins: list[dict[str, Any]] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    im_user: str | None = None

    @property
    def channel_type(self) -> str:
        """The `channel_type` Slack puts in message events."""
        return _CHANNEL_TYPES[self.kind]

    def find(self, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages if m["ts"] == ts), None)

    def top_level(self) -> list[dict[str, Any]]:
        """What the channel shows: thread parents, plain messages and broadcast replies."""
        return [m for m in self.messages if not is_reply(m) or m.get("subtype") == "thread_broadcast"]

    def thread(self, thread_ts: str) -> list[dict[str, Any]]:
        """The parent followed by its replies, oldest first."""
        return [m for m in self.messages if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts]

    def conversation(self, bot_user_id: str) -> dict[str, Any]:
        """The conversation object of conversations.info / list / create."""
        if self.kind == "im":
            return {"id": self.id, "created": self.created, "is_im": True, "is_org_shared": False,
                    "user": self.im_user, "is_user_deleted": False, "priority": 0}
        return {
            "id": self.id, "name": self.name, "name_normalized": self.name,
            "is_channel": self.kind == "public", "is_group": self.kind == "private",
            "is_im": False, "is_mpim": self.kind == "mpim", "is_private": self.kind != "public",
            "created": self.created, "creator": self.creator, "is_archived": self.is_archived,
            "is_general": False, "unlinked": 0, "is_shared": False, "is_org_shared": False,
            "is_ext_shared": False, "is_pending_ext_shared": False, "pending_shared": [],
            "context_team_id": None, "updated": self.created * 1000, "parent_conversation": None,
            "is_member": bot_user_id in self.members, "topic": dict(self.topic),
            "purpose": dict(self.purpose), "previous_names": [], "num_members": len(self.members),
        }


def is_reply(message: dict[str, Any]) -> bool:
    return "thread_ts" in message and message["thread_ts"] != message["ts"]


@dataclass
class Upload:
    """A file announced with files.getUploadURLExternal; `data` once its bytes were POSTed to its URL."""

    file_id: str
    filename: str
    length: int
    data: bytes | None = None


@dataclass
class Trigger:
    """A trigger_id handed to the app with a command or an interaction; opens one view, briefly."""

    user: str
    created: float
    used: bool = False


@dataclass
class OpenView:
    """A modal the app opened for a user."""

    user: str
    view: dict[str, Any]


@dataclass
class ResponseUrl:
    """A response_url handed to the app with a command or an interaction."""

    id: str
    user: str
    channel: str
    created: float
    message_ts: str | None = None  # the message an interaction came from
    is_ephemeral: bool = False
    uses: int = 0


# What the installed app was granted by default: every scope Klaxon's manifest asks for, and a few more.
BOT_SCOPES = (
    "app_mentions:read", "bookmarks:read", "bookmarks:write", "channels:history", "channels:join", "channels:manage",
    "channels:read", "chat:write", "commands", "files:write", "groups:history", "groups:read", "groups:write",
    "im:history", "im:read", "im:write", "mpim:history", "mpim:read", "mpim:write", "pins:read", "pins:write",
    "reactions:read", "reactions:write", "team:read", "usergroups:read", "users:read", "users:read.email",
)


class WorkspaceState:
    """Everything in the emulated workspace, plus the record of what the app did to it."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.lock = threading.RLock()
        self.clock = TsClock()
        self.klaxon = Bot(identity.bot_id, identity.bot_user_id, identity.app_id, identity.bot_name,
                          identity.team_id, int(time.time()))
        self.reset()

    def reset(self) -> None:
        """Back to an empty workspace where only Klaxon and Slackbot exist."""
        with self.lock:
            self.ids = IdFactory()
            self.users: dict[str, dict[str, Any]] = {}
            self.bots: dict[str, Bot] = {}
            self.channels: dict[str, Channel] = {}
            self.usergroups: dict[str, dict[str, Any]] = {}
            self.ephemerals: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
            self.views: dict[str, OpenView] = {}
            self.home_views: dict[str, dict[str, Any]] = {}
            self.response_urls: dict[str, ResponseUrl] = {}
            # What the app posted to response_urls, in order.
            self.responses: list[dict[str, Any]] = []
            self.triggers: dict[str, Trigger] = {}
            self.uploads: dict[str, Upload] = {}
            # Files shared with files.completeUploadExternal: Slack's file object plus its `content`.
            self.files: dict[str, dict[str, Any]] = {}
            self.calls: list[CallRecord] = []
            self.violations: list[Violation] = []
            # What the installed app was granted (Slack says so in every answer's X-OAuth-Scopes).
            self.bot_scopes: tuple[str, ...] = BOT_SCOPES
            self._add_user_record("USLACKBOT", "slackbot", "Slackbot", "America/Los_Angeles", is_bot=False)
            self._register_bot(self.klaxon)

    # People and bots

    def add_user(self, name: str, real_name: str | None = None, tz: str = "UTC",
                 is_admin: bool = False, email: str | None = None) -> dict[str, Any]:
        """A new person in the workspace."""
        user = self._add_user_record(self.ids.next("U"), name, real_name or name, tz, is_admin=is_admin)
        user["profile"]["email"] = email or f"{name}@{self.identity.team_domain}.example.com"
        return user

    def add_bot(self, name: str) -> Bot:
        """A new integration (e.g. a monitoring tool) with its bot user and app."""
        bot = Bot(self.ids.next("B"), self.ids.next("U"), self.ids.next("A"), name,
                  self.identity.team_id, int(time.time()))
        self._register_bot(bot)
        return bot

    def _register_bot(self, bot: Bot) -> None:
        self.bots[bot.bot_id] = bot
        user = self._add_user_record(bot.user_id, bot.name, bot.name, "America/Los_Angeles", is_bot=True)
        user["profile"] |= {"bot_id": bot.bot_id, "api_app_id": bot.app_id, "always_active": True}

    def _add_user_record(self, user_id: str, name: str, real_name: str, tz: str, *,
                         is_admin: bool = False, is_bot: bool = False) -> dict[str, Any]:
        now = datetime.now(ZoneInfo(tz))
        first, _, last = real_name.partition(" ")
        user = {
            "id": user_id, "team_id": self.identity.team_id, "name": name, "deleted": False,
            "color": "9f69e7", "real_name": real_name, "tz": tz, "tz_label": now.tzname(),
            "tz_offset": int((now.utcoffset() or timedelta()).total_seconds()),
            "profile": {
                "real_name": real_name, "real_name_normalized": real_name, "display_name": name,
                "display_name_normalized": name, "first_name": first, "last_name": last,
                "status_text": "", "status_emoji": "", "avatar_hash": "g0000000000",
                "image_48": "https://secure.gravatar.com/avatar/0.jpg", "team": self.identity.team_id,
            },
            "is_admin": is_admin, "is_owner": False, "is_primary_owner": False, "is_restricted": False,
            "is_ultra_restricted": False, "is_bot": is_bot, "is_app_user": False,
            "updated": int(time.time()), "is_email_confirmed": not is_bot,
        }
        self.users[user_id] = user
        return user

    def add_usergroup(self, handle: str, users: list[str], name: str | None = None) -> dict[str, Any]:
        """A user group (`@handle`, `S…`)."""
        now = int(time.time())
        group_id = self.ids.next("S")
        group: dict[str, Any] = {
            "id": group_id, "team_id": self.identity.team_id, "is_usergroup": True,
            "is_subteam": True, "name": name or handle, "description": "", "handle": handle,
            "is_external": False, "date_create": now, "date_update": now, "date_delete": 0,
            "auto_type": None, "auto_provision": False, "enterprise_subteam_id": "",
            "created_by": "USLACKBOT", "updated_by": "USLACKBOT", "deleted_by": None,
            "prefs": {"channels": [], "groups": []}, "users": list(users), "user_count": len(users),
        }
        self.usergroups[group_id] = group
        return group

    def user_by_ref(self, ref: str) -> dict[str, Any] | None:
        """A user by id, `name` or `@name`."""
        if ref in self.users:
            return self.users[ref]
        name = ref.removeprefix("@")
        return next((u for u in self.users.values() if u["name"] == name), None)

    def bot_by_ref(self, ref: str) -> Bot | None:
        """A bot by bot id, bot user id or name."""
        return next((b for b in self.bots.values() if ref in (b.bot_id, b.user_id, b.name)), None)

    # Conversations

    def add_channel(self, name: str, *, is_private: bool = False, members: list[str] | None = None,
                    creator: str | None = None, bot_member: bool = True) -> Channel:
        """A new channel; `members` are user ids."""
        people = list(dict.fromkeys(members or []))
        if bot_member and self.identity.bot_user_id not in people:
            people.append(self.identity.bot_user_id)
        creator = creator or (people[0] if people else self.identity.bot_user_id)
        channel = Channel(
            id=self.ids.next("G" if is_private else "C"), name=name,
            kind="private" if is_private else "public", created=int(time.time()), creator=creator,
            members=people, topic=_blank_topic(), purpose=_blank_topic(),
        )
        self.channels[channel.id] = channel
        return channel

    def channel_by_ref(self, ref: str) -> Channel | None:
        """A conversation by id, `#name` or `name`."""
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.kind in ("public", "private") and c.name == name), None)

    def im_with(self, user_id: str) -> Channel:
        """The app's DM with this user, opened on first use."""
        for channel in self.channels.values():
            if channel.kind == "im" and channel.im_user == user_id:
                return channel
        channel = Channel(
            id=self.ids.next("D"), name=f"im-{user_id}", kind="im", created=int(time.time()),
            creator=user_id, members=[self.identity.bot_user_id, user_id], topic=_blank_topic(),
            purpose=_blank_topic(), im_user=user_id,
        )
        self.channels[channel.id] = channel
        return channel

    def mpim_with(self, user_ids: list[str]) -> Channel:
        """The group DM between the app and these users, opened on first use."""
        members = sorted({*user_ids, self.identity.bot_user_id})
        for channel in self.channels.values():
            if channel.kind == "mpim" and sorted(channel.members) == members:
                return channel
        names = "--".join(self.users[m]["name"] for m in members)
        channel = Channel(
            id=self.ids.next("G"), name=f"mpdm-{names}-1", kind="mpim", created=int(time.time()),
            creator=self.identity.bot_user_id, members=members, topic=_blank_topic(),
            purpose=_blank_topic(),
        )
        self.channels[channel.id] = channel
        return channel

    # Messages

    def thread_root(self, channel: Channel, thread_ts: str) -> dict[str, Any] | None:
        """The parent of the thread `thread_ts` names (a reply's ts leads to its parent)."""
        message = channel.find(thread_ts)
        if message is not None and is_reply(message):
            return channel.find(message["thread_ts"])
        return message

    def store(self, channel: Channel, message: dict[str, Any]) -> dict[str, Any]:
        """Give the message its `ts`, add it to the channel and keep the thread counts right."""
        message["ts"] = self.clock.next()
        if "thread_ts" in message:
            parent = self.thread_root(channel, message["thread_ts"])
            assert parent is not None, "callers check thread_ts first"
            message["thread_ts"] = parent["ts"]
            if parent.get("user"):
                message["parent_user_id"] = parent["user"]
            if message.get("subtype") == "thread_broadcast":
                message["root"] = {k: v for k, v in parent.items() if k != "reactions"}
        channel.messages.append(message)
        if "thread_ts" in message:
            self._refresh_thread(channel, message["thread_ts"])
        return message

    def remove(self, channel: Channel, message: dict[str, Any]) -> None:
        """Delete a message; a parent that still has replies stays as a tombstone, as in Slack."""
        if message.get("reply_count"):
            for key in ("blocks", "attachments", "reactions", "files", "bot_profile"):
                message.pop(key, None)
            message |= {"subtype": "tombstone", "text": "This message was deleted.", "hidden": True}
            return
        channel.messages.remove(message)
        if is_reply(message):
            self._refresh_thread(channel, message["thread_ts"])

    def _refresh_thread(self, channel: Channel, thread_ts: str) -> None:
        parent = channel.find(thread_ts)
        if parent is None:
            return
        replies = [m for m in channel.thread(thread_ts) if m is not parent]
        if not replies:
            for key in (*_THREAD_SUMMARY, "thread_ts"):
                parent.pop(key, None)
            return
        authors = list(dict.fromkeys(m.get("user") or m.get("bot_id") for m in replies))
        parent |= {
            "thread_ts": thread_ts, "reply_count": len(replies), "reply_users": authors,
            "reply_users_count": len(authors), "latest_reply": replies[-1]["ts"],
            "is_locked": False, "subscribed": False,
        }

    def find_message(self, channel_id: str, ts: str) -> tuple[Channel, dict[str, Any]] | None:
        channel = self.channels.get(channel_id)
        message = channel.find(ts) if channel else None
        return (channel, message) if channel and message else None

    @staticmethod
    def react(message: dict[str, Any], user_id: str, name: str) -> bool:
        """Add a reaction; False if this user already reacted so."""
        reactions = message.setdefault("reactions", [])
        entry = next((r for r in reactions if r["name"] == name), None)
        if entry is None:
            reactions.append({"name": name, "users": [user_id], "count": 1})
            return True
        if user_id in entry["users"]:
            return False
        entry["users"].append(user_id)
        entry["count"] += 1
        return True

    @staticmethod
    def unreact(message: dict[str, Any], user_id: str, name: str) -> bool:
        """Remove a reaction; False if there was none from this user."""
        reactions = message.get("reactions", [])
        entry = next((r for r in reactions if r["name"] == name and user_id in r["users"]), None)
        if entry is None:
            return False
        entry["users"].remove(user_id)
        entry["count"] -= 1
        if not entry["users"]:
            reactions.remove(entry)
        if not reactions:
            message.pop("reactions", None)
        return True

    @staticmethod
    def pin(channel: Channel, message: dict[str, Any], user_id: str) -> dict[str, Any] | None:
        """Pin a message; None if it already is."""
        if any(p["ts"] == message["ts"] for p in channel.pins):
            return None
        pin = {"ts": message["ts"], "created": int(time.time()), "created_by": user_id}
        channel.pins.append(pin)
        message["pinned_to"] = [channel.id]
        return pin

    @staticmethod
    def unpin(channel: Channel, message: dict[str, Any]) -> bool:
        """Unpin a message; False if it was not pinned."""
        pin = next((p for p in channel.pins if p["ts"] == message["ts"]), None)
        if pin is None:
            return False
        channel.pins.remove(pin)
        message.pop("pinned_to", None)
        return True

    def add_ephemeral(self, user_id: str, channel_id: str, content: dict[str, Any], source: str) -> dict[str, Any]:
        """Something only `user_id` sees in `channel_id`."""
        ephemeral = {
            "type": "message", "channel": channel_id, "user": user_id, "ts": self.clock.next(),
            "text": content.get("text", ""), "source": source,
            **{k: content[k] for k in ("blocks", "attachments", "thread_ts") if content.get(k)},
        }
        if "blocks" in ephemeral:
            ephemeral["blocks"] = with_block_ids(ephemeral["blocks"])
        self.ephemerals[user_id].append(ephemeral)
        return ephemeral

    def find_ephemeral(self, user_id: str, ts: str) -> dict[str, Any] | None:
        return next((e for e in self.ephemerals.get(user_id, []) if e["ts"] == ts), None)

    def new_trigger(self, user_id: str) -> str:
        """A trigger_id like Slack's, valid for a few seconds."""
        trigger_id = f"{self.ids.next('')}.{int(time.time())}.{uuid.uuid4().hex[:20]}"
        self.triggers[trigger_id] = Trigger(user_id, time.time())
        return trigger_id

    def new_response_url(self, base_url: str, user: str, channel: str, *, message_ts: str | None = None,
                         is_ephemeral: bool = False) -> str:
        """A response_url pointing back at the emulator."""
        entry = ResponseUrl(self.ids.next("R"), user, channel, time.time(), message_ts, is_ephemeral)
        self.response_urls[entry.id] = entry
        return f"{base_url}/_emulator/respond/{entry.id}"


def _blank_topic() -> dict[str, Any]:
    return {"value": "", "creator": "", "last_set": 0}
