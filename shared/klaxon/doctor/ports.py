"""What the doctor asks Slack about the installation (klaxon.slack.installation in the functions and `make doctor`;
a fake in unit tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class InstallationRefused(Exception):
    """Slack refused the bot token (`error`: invalid_auth, token_revoked, account_inactive …)."""

    def __init__(self, error: str) -> None:
        super().__init__(f"Slack refused the bot token: {error}")
        self.error = error


@dataclass(frozen=True)
class Installed:
    """What auth.test says: the workspace, the bot, and the scopes the token was granted (X-OAuth-Scopes)."""

    team: str
    bot_user_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class ChannelFacts:
    """A channel as Klaxon can see it."""

    id: str
    name: str
    private: bool = False
    archived: bool = False
    member: bool = False


class Installation(Protocol):
    def installed(self) -> Installed:
        """Who the bot token is; InstallationRefused if Slack refuses it."""
        ...

    def joined(self) -> dict[str, ChannelFacts]:
        """Every public and private channel Klaxon is in, by id (users.conversations); InstallationRefused if Slack
        will not list them."""
        ...

    def channel(self, channel_id: str) -> ChannelFacts | None:
        """One channel Klaxon is not in (conversations.info); None if it cannot see it: deleted, or private.
        InstallationRefused if Slack refuses the question."""
        ...
