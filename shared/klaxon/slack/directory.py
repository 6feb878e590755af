"""Channels, people and user groups by name, from Slack's Web API (klaxon.ports.SlackDirectory).

Lists are paginated and cached per container for a few minutes: a typed `#name` or `@name` in a
command costs Slack calls once in a while, not on every command. A name the cached list lacks makes
the caller ask again with `fresh=True`, so a channel or person created a minute ago is found. Group
membership (admin checks, escalation levels) is cached for a minute, so a change shows up quickly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.ports import Person

LIST_TTL_SECONDS = 300
FRESH_ENOUGH_SECONDS = 10  # a name missing from a list this young is really missing
MEMBERS_TTL_SECONDS = 60
T = TypeVar("T")


class _Cached:
    """Values computed on demand and kept for a while, per key."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, ttl: float, compute: Callable[[], T], fresh: bool = False) -> T:
        with self._lock:
            found = self._values.get(key)
            age = time.monotonic() - found[0] if found else ttl
            # `fresh` (a name was not found): reload, unless the copy is only seconds old.
            if found and age < (min(ttl, FRESH_ENOUGH_SECONDS) if fresh else ttl):
                return found[1]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._values[key] = (time.monotonic(), value)
        return value


class WebSlackDirectory:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._cache = _Cached()

    def channels(self, fresh: bool = False) -> dict[str, str]:
        return self._cache.get("channels", LIST_TTL_SECONDS, fresh=fresh, compute=lambda: {
            channel["name"]: channel["id"]
            for channel in self._pages(self.client.conversations_list, "channels",
                                       types="public_channel,private_channel", exclude_archived=True)})

    def channel_exists(self, channel_id: str) -> bool:
        try:
            self.client.conversations_info(channel=channel_id)
        except SlackApiError as error:
            if error.response.get("error") == "channel_not_found":
                return False
            raise
        return True

    def people(self, fresh: bool = False) -> dict[str, Person]:
        return self._cache.get("people", LIST_TTL_SECONDS, self._load_people, fresh=fresh)

    def groups(self, fresh: bool = False) -> dict[str, str]:
        return self._cache.get("groups", LIST_TTL_SECONDS, fresh=fresh, compute=lambda: {
            group["handle"]: group["id"] for group in self.client.usergroups_list()["usergroups"]})

    def group_members(self, group_id: str) -> frozenset[str]:
        return self._cache.get(f"members:{group_id}", MEMBERS_TTL_SECONDS, lambda: frozenset(
            self.client.usergroups_users_list(usergroup=group_id)["users"]))

    def _load_people(self) -> dict[str, Person]:
        found: dict[str, Person] = {}
        for member in self._pages(self.client.users_list, "members"):
            if member.get("deleted"):
                continue
            profile = member.get("profile") or {}
            person = Person(id=member["id"], name=member["name"], bot_id=profile.get("bot_id"),
                            tz=member.get("tz") or "UTC")
            for name in (profile.get("display_name"), profile.get("real_name"), member["name"]):
                if name:
                    found[name] = person  # the username, set last, wins a clash
        return found

    def _pages(self, method: Callable[..., Any], key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            response = method(limit=200, cursor=cursor, **kwargs)
            yield from response[key]
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return
