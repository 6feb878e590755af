"""auth.test, team.info, users.* and usergroups.*"""

from __future__ import annotations

import copy
import time
from typing import Any

from ..api_call import ApiCall, Handler, SlackError


def auth_test(call: ApiCall) -> dict[str, Any]:
    """auth.test for the bot token (Bolt calls it to learn its bot id and user id)."""
    identity = call.state.identity
    return {"ok": True, "url": identity.team_url, "team": identity.team_name, "user": identity.bot_name,
            "team_id": identity.team_id, "user_id": identity.bot_user_id, "bot_id": identity.bot_id,
            "is_enterprise_install": False}


def team_info(call: ApiCall) -> dict[str, Any]:
    """team.info"""
    identity = call.state.identity
    team_id = call.text("team", identity.team_id)
    if team_id != identity.team_id:
        raise SlackError("team_not_found")
    return {"ok": True, "team": {
        "id": identity.team_id, "name": identity.team_name, "url": identity.team_url,
        "domain": identity.team_domain, "email_domain": "", "is_verified": False,
        "icon": {"image_default": True, "image_34": "https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-34.png"},
    }}


def user_info(call: ApiCall) -> dict[str, Any]:
    """users.info"""
    user = call.state.users.get(call.text("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"ok": True, "user": copy.deepcopy(user)}


# Without `limit` Slack tries to answer with everyone; "for large teams a limit is required".
WHOLE_LIST_AT_MOST = 1000


def list_users(call: ApiCall) -> dict[str, Any]:
    """users.list: people and bot users, `limit` (at most 1000) at a time; large teams must page."""
    users = list(call.state.users.values())
    if call.text("limit") is None and len(users) > WHOLE_LIST_AT_MOST:
        raise SlackError("limit_required")
    page, metadata = call.page(users, default_limit=WHOLE_LIST_AT_MOST)
    return {"ok": True, "members": copy.deepcopy(page), "cache_ts": int(time.time()),
            "response_metadata": metadata}


def lookup_by_email(call: ApiCall) -> dict[str, Any]:
    """users.lookupByEmail"""
    email = (call.text("email") or "").lower()
    user = next((u for u in call.state.users.values() if u["profile"].get("email", "").lower() == email), None)
    if user is None:
        raise SlackError("users_not_found")
    return {"ok": True, "user": copy.deepcopy(user)}


def list_usergroups(call: ApiCall) -> dict[str, Any]:
    """usergroups.list: `users` only with include_users."""
    hidden = set() if call.flag("include_users") else {"users"}
    groups = [{k: copy.deepcopy(v) for k, v in group.items() if k not in hidden}
              for group in call.state.usergroups.values()]
    return {"ok": True, "usergroups": groups}


def usergroup_users(call: ApiCall) -> dict[str, Any]:
    """usergroups.users.list"""
    group = call.state.usergroups.get(call.text("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    return {"ok": True, "users": list(group["users"])}


def user_conversations(call: ApiCall) -> dict[str, Any]:
    """users.conversations: the conversations the app's bot user (or `user`) is a member of, by `types`."""
    member = call.text("user") or call.bot_user_id
    wanted = set(call.ids("types") or ["public_channel"])
    kinds = {"public_channel": "public", "private_channel": "private", "im": "im", "mpim": "mpim"}
    channels = [c for c in call.state.channels.values()
                if member in c.members and any(kinds.get(t) == c.kind for t in wanted)
                and not (c.is_archived and call.flag("exclude_archived"))]
    page, metadata = call.page([c.conversation(call.bot_user_id) for c in channels])
    return {"ok": True, "channels": page, "response_metadata": metadata}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "team.info": team_info,
    "users.info": user_info,
    "users.list": list_users,
    "users.conversations": user_conversations,
    "users.lookupByEmail": lookup_by_email,
    "usergroups.list": list_usergroups,
    "usergroups.users.list": usergroup_users,
}
