"""Deployment settings, read from the environment once per container and validated.

The environment is the contract with template.yaml and the local cloud (DESIGN.md): nothing here
runs at import time; `Settings.from_env()` is called by the bootstrap when the first request arrives.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MIN_LINK_KEY_CHARS = 32
_SLACK_ID = re.compile(r"^[UWBCGDS][A-Z0-9]{2,}$")
TOPIC_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{1,12}:[A-Za-z0-9_.-]{1,256}$")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,100}$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SettingsError(ValueError):
    """The deployment is misconfigured; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """What a deployment is configured with (template parameters become these variables)."""

    table_name: str
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_secret_arn: str | None = None
    webhook_secret_arn: str | None = None  # in AWS: the stack's webhook secret, a JSON of one key per source
    admin_users: frozenset[str] = field(default_factory=frozenset)
    admin_user_group: str | None = None
    incidents_channel: str | None = None
    sns_topic_arns: frozenset[str] = field(default_factory=frozenset)  # SNS topics whose deliveries are believed
    # Where Grafana puts the timestamp it signs with the body (its HMAC `timestampHeader`); None: the body alone.
    grafana_timestamp_header: str | None = None
    # The local cloud's stand-in for SNS's certificate and confirmation URLs (never set in AWS; see README).
    sns_local_mirror: str | None = None
    public_base_url: str | None = None  # where links in Slack point (the incident pages); None: no links
    # In AWS: the SSM parameter holding that address (the stack's API URL, or a custom domain); read at run
    # time because the functions cannot name their own API in the template without a dependency cycle.
    public_base_url_parameter: str | None = None
    link_key_secret_arn: str | None = None  # in AWS: the secret holding the key links are signed with

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings; raise SettingsError naming the first bad variable."""
        env = os.environ if env is None else env
        table = env.get("TABLE_NAME", "").strip()
        if not table:
            raise SettingsError("TABLE_NAME is not set: it names the DynamoDB table from template.yaml")
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
        if not api_url.startswith(("https://", "http://")):
            raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        return cls(
            table_name=table,
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            slack_secret_arn=env.get("SLACK_SECRET_ARN", "").strip() or None,
            webhook_secret_arn=env.get("WEBHOOK_SECRET_ARN", "").strip() or None,
            admin_users=_slack_ids(env.get("ADMIN_USERS", ""), "ADMIN_USERS"),
            admin_user_group=_optional_id(env.get("ADMIN_USER_GROUP", ""), "ADMIN_USER_GROUP"),
            incidents_channel=_optional_id(env.get("INCIDENTS_CHANNEL", ""), "INCIDENTS_CHANNEL"),
            sns_topic_arns=_topic_arns(env.get("SNS_TOPIC_ARNS", "")),
            grafana_timestamp_header=_header(env.get("GRAFANA_HMAC_TIMESTAMP_HEADER", "")),
            sns_local_mirror=_loopback_url(env.get("SNS_LOCAL_MIRROR", "")),
            public_base_url=_optional_url(env.get("PUBLIC_BASE_URL", ""), "PUBLIC_BASE_URL"),
            public_base_url_parameter=_optional_parameter(env.get("PUBLIC_BASE_URL_PARAMETER", ""),
                                                          "PUBLIC_BASE_URL_PARAMETER"),
            link_key_secret_arn=env.get("LINK_KEY_SECRET_ARN", "").strip() or None,
        )


@dataclass(frozen=True)
class SlackCredentials:
    """The bot token and signing secret. Never logged: repr hides them."""

    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str], source: str) -> SlackCredentials:
        """Build from a mapping with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (env or the secret's JSON)."""
        token = (values.get("SLACK_BOT_TOKEN") or "").strip()
        secret = (values.get("SLACK_SIGNING_SECRET") or "").strip()
        if not token.startswith("xoxb-"):
            raise SettingsError(f"SLACK_BOT_TOKEN in {source} must be a bot token starting with xoxb-")
        if not secret:
            raise SettingsError(f"SLACK_SIGNING_SECRET in {source} is empty")
        return cls(bot_token=token, signing_secret=secret)


def _slack_ids(raw: str, name: str) -> frozenset[str]:
    ids = frozenset(part.strip() for part in raw.split(",") if part.strip())
    for slack_id in ids:
        if not _SLACK_ID.match(slack_id):
            raise SettingsError(f"{name} holds {slack_id!r}, which is not a Slack id")
    return ids


def _topic_arns(raw: str) -> frozenset[str]:
    arns = frozenset(part.strip() for part in raw.split(",") if part.strip())
    for arn in arns:
        if not TOPIC_ARN.match(arn):
            raise SettingsError(f"SNS_TOPIC_ARNS holds {arn[:120]!r}, which is not an SNS topic ARN")
    return arns


def _header(raw: str) -> str | None:
    name = raw.strip()
    if name and not _HEADER.match(name):
        raise SettingsError(f"GRAFANA_HMAC_TIMESTAMP_HEADER is {name[:60]!r}, which is not a header name")
    return name or None


def _loopback_url(raw: str) -> str | None:
    """A mirror on this machine only: pointed anywhere else it would be a way round SNS's certificate check."""
    url = raw.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in _LOOPBACK:
        raise SettingsError("SNS_LOCAL_MIRROR must be an http URL on 127.0.0.1 or localhost (the local cloud's)")
    return url if url.endswith("/") else url + "/"


def _optional_url(raw: str, name: str) -> str | None:
    url = raw.strip().rstrip("/")
    if url and not url.startswith(("https://", "http://")):
        raise SettingsError(f"{name} must be an http(s) URL, not {url!r}")
    return url or None


def _optional_parameter(raw: str, name: str) -> str | None:
    parameter = raw.strip()
    if parameter and not parameter.startswith("/"):
        raise SettingsError(f"{name} must name an SSM parameter by its path (/stack/name), not {parameter!r}")
    return parameter or None


def link_key(raw: str, source: str) -> bytes | None:
    """The key links are signed with, from LINK_SIGNING_KEY or the link key secret; None when there is none
    (no links). SettingsError when it is too short to be a key (under 32 characters)."""
    key = raw.strip()
    if key and len(key) < MIN_LINK_KEY_CHARS:
        raise SettingsError(f"the link key in {source} is shorter than {MIN_LINK_KEY_CHARS} characters")
    return key.encode() if key else None


def _optional_id(raw: str, name: str) -> str | None:
    ids = _slack_ids(raw, name)
    if len(ids) > 1:
        raise SettingsError(f"{name} takes one Slack id, not {len(ids)}")
    return next(iter(ids), None)
