"""The one place that wires Klaxon to AWS and Slack, lazily and once per container.

Nothing is built at import: moto (in tests) must be running first, and a cold start should pay only
for what the first request needs. Every function's handler asks `runtime()` for what it uses.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from klaxon.clock import Clock, SystemClock
from klaxon.settings import Settings, SlackCredentials

if TYPE_CHECKING:
    from klaxon.alerting import Identity
    from klaxon.commands.service import Console
    from klaxon.configuration import Configuration, ConfigurationCache
    from klaxon.paging import Pager

# Secrets Manager is read at most every five minutes per container; a rotated token takes effect then.
SECRET_MAX_AGE_SECONDS = 300


class Runtime:
    """Settings, clients and repositories for one container, each built on first use."""

    def __init__(self, env: Mapping[str, str] | None = None, clock: Clock | None = None) -> None:
        self._env = env
        self.clock: Clock = clock or SystemClock()
        self._build_lock = threading.RLock()

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_env(self._env)

    @property
    def credentials(self) -> SlackCredentials:
        """The Slack credentials: from Secrets Manager in AWS (cached), else from the environment."""
        arn = self.settings.slack_secret_arn
        if arn is None:
            return SlackCredentials.from_mapping(self._env or os.environ, "the environment")
        secret = self._secrets.get(arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
        return SlackCredentials.from_mapping(secret, "the Slack secret")

    @cached_property
    def _secrets(self) -> Any:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        return SecretsProvider(boto3_client=self._aws_client("secretsmanager"))

    @cached_property
    def store(self) -> Any:
        from klaxon.dynamo import DynamoStore

        return DynamoStore(self._aws_client("dynamodb"), self.settings.table_name)

    @cached_property
    def slack_client(self) -> Any:
        from klaxon.slack.client import web_client

        return web_client(self.credentials.bot_token, self.settings.slack_api_url)

    @cached_property
    def sweep_slack(self) -> Any:
        """Slack for the sweep: it waits out short rate limits only, so a minute's work fits in a minute."""
        from klaxon.slack.client import web_client
        from klaxon.slack.gateway import WebSlackGateway

        return WebSlackGateway(web_client(self.credentials.bot_token, self.settings.slack_api_url,
                                          max_rate_limit_wait=3))

    @cached_property
    def sweep_directory(self) -> Any:
        """The directory on the sweep's client: a group lookup must not wait out a long 429 either."""
        from klaxon.slack.directory import WebSlackDirectory

        return WebSlackDirectory(self.sweep_slack.client)

    @cached_property
    def slack(self) -> Any:
        from klaxon.slack.gateway import WebSlackGateway

        return WebSlackGateway(self.slack_client)

    @cached_property
    def directory(self) -> Any:
        from klaxon.slack.directory import WebSlackDirectory

        return WebSlackDirectory(self.slack_client)

    def pager(self) -> Pager:
        """What paging works with, at this moment."""
        from klaxon.paging import Pager

        return Pager(store=self.store, slack=self.slack, directory=self.directory, now=self.clock.now())

    def console(self, me: Identity) -> Console:
        """What /klaxon commands work with, as seen by the bot `me`."""
        from klaxon.commands.service import Console

        # `rule test <link>` reads through the client that waits out only short rate limits: history is
        # limited to about a call a minute, and the person should hear that at once, not a minute later.
        return Console(configuration=self.store.configuration, alerts=self.store.alerts, directory=self.directory,
                       clock=self.clock, me=me,
                       admin_users=self.settings.admin_users, admin_group=self.settings.admin_user_group,
                       messages=self.sweep_slack)

    @cached_property
    def slack_request_handler(self) -> Any:
        """The container's one Bolt App behind one SlackRequestHandler, built on the first request."""
        from klaxon.slack.app import request_handler

        return request_handler(self)

    @cached_property
    def lambda_client(self) -> Any:
        """For Bolt's lazy listeners, which re-invoke this function asynchronously."""
        return self._aws_client("lambda")

    @cached_property
    def configuration_cache(self) -> ConfigurationCache:
        # Imported here, not at the top: the rules engine is lazy work, not part of acking Slack.
        from klaxon.configuration import ConfigurationCache

        return ConfigurationCache()

    def configuration(self) -> Configuration:
        """The latest committed configuration (one small read to revalidate the cached copy)."""
        return self.configuration_cache.current(self.store.configuration)

    def _aws_client(self, service: str) -> Any:
        with self._build_lock:
            return self._aws_clients.setdefault(service, _new_aws_client(service))

    @cached_property
    def _aws_clients(self) -> dict[str, Any]:
        return {}


def _new_aws_client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # One session for every client (boto3's default, which Bolt's lazy-listener runner uses too): the
    # endpoint data is parsed once per container, not once per client - a third of a cold start.
    # Standard retry mode backs off on throttling (ProvisionedThroughputExceeded, ThrottlingException).
    client: Any = boto3.client  # typed per service name by boto3-stubs; any service goes here
    return client(service, config=Config(retries={"mode": "standard", "max_attempts": 5}))


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This container's Runtime."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime()
        return _runtime


def cold_start() -> None:
    """Forget this container's Runtime, as a new Lambda container would (the local cloud's restart)."""
    global _runtime
    with _runtime_lock:
        _runtime = None
