"""Slack's answers about the workspace, one Web API call each (klaxon.directory.ports.WorkspaceSlack).

A reference Slack resolved is checked with one call, cached per container: users.info (Tier 4) for a
person, conversations.info (Tier 3) for a channel, usergroups.list (Tier 2, every group in one answer) for
a user group. Group membership (admin checks, escalation levels) is cached for a minute, so a change shows
up quickly. Names by id (the incident pages, the postmortem) are one users.info or conversations.info
each, cached likewise. Whole lists (users.list, conversations.list: Tier 2, up to 1,000 a page) are read
one page a call, by the sweep's directory refresh (klaxon.directory.refresh) - never paged through inside
a command.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.directory.model import Listing, ListingKind
from klaxon.directory.ports import ListPage
from klaxon.ports import Person, SlackBusy
from klaxon.slack.client import error_code, retry_after

logger = Logger(child=True)

LIST_TTL_SECONDS = 300
FRESH_ENOUGH_SECONDS = 10  # a name missing from a list this young is really missing
MEMBERS_TTL_SECONDS = 60
PAGE_SIZE = 1000  # users.list and conversations.list give at most 1,000 a call (docs.slack.dev)
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

    def channel_exists(self, channel_id: str) -> bool:
        def look_up() -> bool:
            try:
                self.client.conversations_info(channel=channel_id)
            except SlackApiError as error:
                if error_code(error) == "channel_not_found":
                    return False
                raise
            return True

        key = f"channel:{channel_id}"
        # A channel not found is asked again after a few seconds: once Klaxon is invited to it, it is there.
        return self._cache.get(key, LIST_TTL_SECONDS, look_up) or self._cache.get(key, LIST_TTL_SECONDS, look_up,
                                                                                   fresh=True)

    def person(self, user_id: str) -> Person | None:
        return self._cache.get(f"person:{user_id}", LIST_TTL_SECONDS, lambda: self._look_up_person(user_id))

    def groups(self, fresh: bool = False) -> dict[str, str]:
        return self._cache.get("groups", LIST_TTL_SECONDS, fresh=fresh, compute=lambda: {
            listing.names[0]: listing.id for listing in self.groups_page().listings})

    def group_members(self, group_id: str) -> frozenset[str]:
        return self._cache.get(f"members:{group_id}", MEMBERS_TTL_SECONDS, lambda: frozenset(
            self.client.usergroups_users_list(usergroup=group_id)["users"]))

    def people_page(self, cursor: str | None = None) -> ListPage:
        if cursor is None:  # the first page, asked for a name the snapshot lacks: kept a few seconds
            return self._cache.get("people:first", FRESH_ENOUGH_SECONDS, lambda: self._people_page(None))
        return self._people_page(cursor)

    def channels_page(self, cursor: str | None = None) -> ListPage:
        if cursor is None:
            return self._cache.get("channels:first", FRESH_ENOUGH_SECONDS, lambda: self._channels_page(None))
        return self._channels_page(cursor)

    def groups_page(self) -> ListPage:
        answer = _listed("usergroups.list", lambda: self.client.usergroups_list())
        return ListPage(tuple(Listing(ListingKind.GROUP, group["id"], (group["handle"],))
                              for group in answer["usergroups"] if group.get("handle")))

    def _people_page(self, cursor: str | None) -> ListPage:
        answer = _listed("users.list", lambda: self.client.users_list(limit=PAGE_SIZE, cursor=cursor))
        return ListPage(tuple(_person_listing(member) for member in answer["members"] if not member.get("deleted")),
                        _next_cursor(answer))

    def _channels_page(self, cursor: str | None) -> ListPage:
        answer = _listed("conversations.list", lambda: self.client.conversations_list(
            limit=PAGE_SIZE, cursor=cursor, types="public_channel,private_channel", exclude_archived=True))
        return ListPage(tuple(Listing(ListingKind.CHANNEL, channel["id"], (channel["name"],))
                              for channel in answer["channels"]), _next_cursor(answer))

    def _look_up_person(self, user_id: str) -> Person | None:
        try:
            member = self.client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            if error_code(error) == "user_not_found":
                return None
            raise
        return _person_listing(member).person

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


def _listed(method: str, call: Callable[[], Any]) -> Any:
    """One list call; a rate limit the client would not wait out is SlackBusy (the sweep resumes later)."""
    try:
        return call()
    except SlackApiError as error:
        if error_code(error) == "ratelimited":
            raise SlackBusy(method, retry_after(error.response)) from error
        raise


def _next_cursor(answer: Any) -> str | None:
    return (answer.get("response_metadata") or {}).get("next_cursor") or None


def _person_listing(member: dict[str, Any]) -> Listing:
    """A users.list (or users.info) member: the username first, then the display and real names."""
    profile = member.get("profile") or {}
    names = (member["name"], profile.get("display_name") or "", profile.get("real_name") or "")
    return Listing(ListingKind.PERSON, member["id"], tuple(dict.fromkeys(n for n in names if n)),
                   bot_id=profile.get("bot_id"), tz=member.get("tz") or "UTC")
