"""What Slack says of Klaxon's installation, for the doctor (klaxon.doctor.ports.Installation): who the token is
and what it was granted, and the channels Klaxon is in."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from klaxon.doctor.ports import ChannelFacts, InstallationRefused, Installed
from klaxon.slack.client import error_code

PAGE = 999  # users.conversations' `limit` must be under 1,000


class WebInstallation:
    def __init__(self, client: WebClient) -> None:
        self.client = client

    def installed(self) -> Installed:
        """auth.test; the scopes the token was granted are in the answer's X-OAuth-Scopes header, which Slack puts
        on every Web API answer (the only way Slack tells a token its own scopes; Bolt reads it too)."""
        try:
            response = self.client.auth_test()
        except SlackApiError as error:
            raise InstallationRefused(error_code(error) or "unknown_error") from error
        headers = {name.lower(): value for name, value in (response.headers or {}).items()}
        granted = headers.get("x-oauth-scopes", "")
        scopes = granted[0] if isinstance(granted, list) else granted
        return Installed(team=str(response.get("team") or ""), bot_user_id=str(response.get("user_id") or ""),
                         scopes=frozenset(scope.strip() for scope in str(scopes).split(",") if scope.strip()))

    def joined(self) -> dict[str, ChannelFacts]:
        found: dict[str, ChannelFacts] = {}
        cursor: str | None = None
        try:
            while True:
                page = self.client.users_conversations(types="public_channel,private_channel", limit=PAGE,
                                                       cursor=cursor)
                channels: list[dict[str, Any]] = page.get("channels") or []
                for channel in channels:
                    found[channel["id"]] = _facts(channel, member=True)
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return found
        except SlackApiError as error:
            raise InstallationRefused(error_code(error) or "unknown_error") from error

    def channel(self, channel_id: str) -> ChannelFacts | None:
        try:
            return _facts(self.client.conversations_info(channel=channel_id)["channel"], member=False)
        except SlackApiError as error:
            if error_code(error) == "channel_not_found":
                return None
            raise InstallationRefused(error_code(error) or "unknown_error") from error


def _facts(channel: dict[str, Any], *, member: bool) -> ChannelFacts:
    return ChannelFacts(id=str(channel["id"]), name=str(channel.get("name") or channel["id"]),
                        private=bool(channel.get("is_private")), archived=bool(channel.get("is_archived")),
                        member=member or bool(channel.get("is_member")))
