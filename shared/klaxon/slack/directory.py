"""Channels, people and user groups by name, from Slack's Web API (klaxon.ports.SlackDirectory).

Lists are paginated and cached per container for a few minutes: a typed `#name` or `@name` in a
command costs Slack calls once in a while, not on every command. A name the cached list lacks makes
the caller ask again with `fresh=True`, so a channel or person created a minute ago is found. Group
membership (admin checks, escalation levels) is cached for a minute, so a change shows up quickly.
Names by id (the incident pages, the postmortem) are one users.info or conversations.info each (Tier 4
and Tier 3: a page's dozen people cost a dozen calls once, never the whole member list), cached likewise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.ports import Person

logger = Logger(child=True)

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

    def name(self, slack_id: str) -> str | None:
        try:
            return self._cache.get(f"name:{slack_id}", LIST_TTL_SECONDS, lambda: self._look_up_name(slack_id))
        except SlackApiError as error:  # a name is a courtesy: the id stands in, and the next page asks again
            logger.warning("no name from Slack", extra={"id": slack_id, "error": error.response.get("error")})
            return None

    def workspace_url(self) -> str | None:
        return self._cache.get("workspace", LIST_TTL_SECONDS, self._look_up_workspace)

    def _look_up_name(self, slack_id: str) -> str | None:
        try:
            if slack_id[:1] in ("U", "W", "B"):
                user = self.client.users_info(user=slack_id)["user"]
                profile = user.get("profile") or {}
                return str(profile.get("display_name") or profile.get("real_name") or user.get("name") or "") or None
            if slack_id[:1] in ("C", "G"):
                return str(self.client.conversations_info(channel=slack_id)["channel"].get("name") or "") or None
        except SlackApiError as error:
            if error.response.get("error") not in ("user_not_found", "channel_not_found"):
                raise
        return None

    def _look_up_workspace(self) -> str | None:
        try:
            return str(self.client.auth_test().get("url") or "") or None
        except SlackApiError as error:  # links back to Slack are a courtesy: the page goes without them
            logger.warning("no workspace address from Slack", extra={"error": error.response.get("error")})
            return None

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
