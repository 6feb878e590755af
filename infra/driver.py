"""Driving a running local stack from outside: the workspace, the cloud's control routes, the table.

Tests and the demo use this against the emulator and the local cloud, whether they run as threads in
the same process or as separate processes: everything goes over HTTP.
"""

from __future__ import annotations

import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import boto3

from infra.slack_emulator import Workspace
from klaxon.configuration.model import AuditEntry, Configuration
from klaxon.dynamo import DynamoStore


@dataclass(frozen=True)
class WebPage:
    """A page as the HTTP API served it: status, headers (lower-case names), body."""

    status: int
    headers: dict[str, str]
    body: str

    @property
    def title(self) -> str:
        found = re.search(r"<title>(.*?)</title>", self.body, re.S)
        return html.unescape(found[1]).strip() if found else ""


class StackDriver:
    """The emulated workspace plus the local cloud at `cloud_url`."""

    def __init__(self, cloud_url: str, emulator_url: str) -> None:
        self.cloud_url = cloud_url.rstrip("/")
        self.workspace = Workspace(emulator_url)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until Slack deliveries and Klaxon's asynchronous work have stopped causing each other.

        A lazy listener posts to Slack, which sends the app an event, which starts more lazy work:
        wait until one whole round passes with no new Web API call and no new delivery.
        """
        deadline = time.monotonic() + timeout
        before = None
        while time.monotonic() < deadline:
            self.workspace.wait_idle(timeout=max(0.1, deadline - time.monotonic()))
            if not self._cloud("GET", "/_local/idle")["idle"]:
                continue
            seen = (len(self.workspace.calls()), len(self.workspace.deliveries()))
            if seen == before:
                return
            before = seen
        raise TimeoutError("the stack kept working past the timeout")

    def klaxon(self, user: str, channel: str, text: str) -> str:
        """Run `/klaxon <text>` as `user` in `channel`; return what Klaxon answered that user (ephemeral)."""
        before = len(self.workspace.ephemerals(user))
        outcome = self.workspace.command(user, channel, "/klaxon", text)
        self.settle()
        if not outcome.delivery.ok:
            raise RuntimeError(f"/klaxon {text} was not acknowledged: {outcome.delivery}")
        answers = self.workspace.ephemerals(user)[before:]
        if not answers:
            raise RuntimeError(f"no answer to /klaxon {text}")
        return "\n".join(answer["text"] for answer in answers)

    def sweep(self) -> Any:
        """Run the scheduled sweep once now, and wait for what it set off."""
        result = self._cloud("POST", "/_local/sweep")["result"]
        self.settle()
        return result

    def webhook(self, source: str, body: Any, *, secret: str | None = None,
                headers: dict[str, str] | None = None, query: dict[str, str] | None = None) -> tuple[int, Any]:
        """POST a monitoring source's webhook (a JSON-able value, or raw bytes) as `Authorization: Bearer
        <secret>` (and `query`, e.g. GCP's token); the status and the decoded JSON answer. Waits for what it
        set off."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"content-type": "application/json", **({"authorization": f"Bearer {secret}"} if secret else {}),
                **(headers or {})}
        url = f"{self.cloud_url}/webhooks/{source}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(url, data=data, method="POST", headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as refused:
            status, answer = refused.code, refused.read()
        self.settle()
        return status, json.loads(answer) if answer else None

    def open_page(self, url: str) -> WebPage:
        """GET one of Klaxon's pages (a link Klaxon gave, or any URL on the cloud) as a browser would."""
        request = urllib.request.Request(url, headers={"accept": "text/html"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return WebPage(response.status, {k.lower(): v for k, v in response.headers.items()},
                               response.read().decode())
        except urllib.error.HTTPError as refused:
            return WebPage(refused.code, {k.lower(): v for k, v in refused.headers.items()}, refused.read().decode())

    def reset(self) -> None:
        """An empty workspace and an empty table."""
        self.workspace.reset()
        self._cloud("POST", "/_local/reset")

    def dead_letters(self) -> list[dict[str, Any]]:
        return list(self._cloud("GET", "/_local/dead-letters")["dead_letters"])

    def sns_confirmations(self) -> list[str]:
        """The SubscribeURL queries Klaxon visited on the local cloud's stand-in for SNS."""
        return list(self._cloud("GET", "/_local/sns/confirmations")["confirmations"])

    @cached_property
    def table(self) -> Any:
        """The stack's DynamoDB table (boto3 resource), wherever the local cloud keeps it."""
        return boto3.resource("dynamodb", **self._dynamodb_endpoint).Table(self._table_name)

    @cached_property
    def store(self) -> DynamoStore:
        """Klaxon's own repositories on the stack's table, to set up or inspect state as Klaxon sees it."""
        return DynamoStore(boto3.client("dynamodb", **self._dynamodb_endpoint), self._table_name)

    def configure(self, change: Callable[[Configuration], Configuration], actor: str = "U0SETUP") -> None:
        """Commit a configuration change directly (for set-up; people use /klaxon)."""
        base = self.store.configuration.load()
        entry = AuditEntry(actor=actor, at=datetime.now(UTC), action="set-up", summary="test set-up")
        self.store.configuration.commit(base, change(base), entry)

    @cached_property
    def _aws(self) -> dict[str, Any]:
        return dict(self._cloud("GET", "/_local/aws"))

    @property
    def _table_name(self) -> str:
        return str(self._aws["table"])

    @property
    def _dynamodb_endpoint(self) -> dict[str, str]:
        if not self._aws["dynamodb"]:  # DynamoDB is mocked in this very process (moto's mock_aws)
            return {}
        # moto's server on loopback: any credentials and region will do, never real ones.
        return {"endpoint_url": self._aws["dynamodb"], "region_name": "us-east-1",
                "aws_access_key_id": "local", "aws_secret_access_key": "local"}

    def items(self, prefix: str) -> list[dict[str, Any]]:
        """Every item whose partition key starts with `prefix` (a test's view; Klaxon never scans)."""
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self.table.scan(**kwargs)
            found += [item for item in page["Items"] if str(item["pk"]).startswith(prefix)]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _cloud(self, method: str, path: str) -> Any:
        request = urllib.request.Request(self.cloud_url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
