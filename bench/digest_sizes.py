"""Digests at size: what each incidents channel's digest says when thousands of alerts wait, and what the sweep
reads to say it - Klaxon now beside Klaxon before (commit ce0692d: one global read of the 500 oldest), in the
same run.

    .venv/bin/python -m bench.digest_sizes [--sizes 500 5000 20000] [--before ce0692d]

For each size, DynamoDB (moto, the table from template.yaml) holds that many unacknowledged alerts in #incidents,
older than 3 in #payments (the issue's two inputs), each channel enlisted as posting an alert there does. One real
sweep runs; a counting gateway keeps what each digest says (its notification text, `digest_fallback`) and the
Slack calls; Klaxon's table counters give the items read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from bench.storm import run_before
from infra.template import create_table
from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.configuration.model import Configuration, Preferences
from klaxon.dynamo import DynamoStore
from klaxon.dynamo.alerts import alert_item
from klaxon.slack.renderers.digests import digest_blocks, digest_fallback
from klaxon.sweep import SweepContext, sweep

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
INCIDENTS, PAYMENTS = "C0INCIDENT", "C0PAYMENTS"


class CountingSlack:
    """Keeps what each digest says, and counts the calls."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.said: dict[str, str] = {}
        self.rest: dict[str, str] = {}

    def post_digest(self, digest: Any) -> str:
        self.calls["chat.postMessage"] += 1
        self.said[digest.channel] = digest_fallback(digest)
        texts = [b.text.text for b in digest_blocks(digest) if getattr(b, "text", None) is not None]
        self.rest[digest.channel] = next((t.splitlines()[-1] for t in reversed(texts) if "…and" in t), "")
        return "1800000100.000100"

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        self.calls["reactions.get"] += 1
        return {}


def alerts(channel: str, how_many: int, hours_ago: float) -> list[Alert]:
    seen = NOW - timedelta(hours=hours_ago)
    return [Alert(id=f"{channel}/{n}", origin=SlackMessageOrigin("C0ALERTS", f"{n}.1", "B0DATADOG"),
                  text=f"disk {n % 100}% on db-{n}", label="[Disk]", target_channel=channel,
                  fingerprint=f"{channel}{n}", first_seen=seen - timedelta(seconds=n), post_ts=f"{n}.2")
            for n in range(how_many)]


def measure(size: int) -> dict[str, Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "klaxon-bench")
        store = DynamoStore(client, "klaxon-bench")
        loaded = alerts(INCIDENTS, size, hours_ago=2) + alerts(PAYMENTS, 3, hours_ago=1)
        store.table.put_many([{"pk": f"ALERT#{a.id}", "sk": "ALERT", **alert_item(a)} for a in loaded])
        for channel in (INCIDENTS, PAYMENTS):
            if hasattr(store.digests, "enlist"):  # before, channels were found among the alerts read
                store.digests.enlist(channel)
        store.table.reads.items = store.table.reads.requests = 0
        slack = CountingSlack()
        config = Configuration(preferences=Preferences(digest_after_seconds=900, reconcile_limit=0))
        sweep(SweepContext(store=store, slack=slack, directory=None, config=config, now=NOW,  # type: ignore[arg-type]
                           publish=lambda event: None))
        return {"incidents": slack.said.get(INCIDENTS, "no digest"), "rest": slack.rest.get(INCIDENTS, ""),
                "payments": slack.said.get(PAYMENTS, "no digest"), "items": store.table.reads.items,
                "requests": store.table.reads.requests, "slack": sum(slack.calls.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5_000, 20_000])
    parser.add_argument("--before", default="ce0692d", help="the revision to compare with (git)")
    parser.add_argument("--json", action="store_true", help="measure this Klaxon only and print JSON")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    now = {str(size): measure(size) for size in args.sizes}
    if args.json:
        print(json.dumps(now))
        return
    then = run_before(args.before, "bench.digest_sizes", ["--sizes", *map(str, args.sizes)])
    print("\nN unacknowledged alerts in #incidents, 3 newer ones in #payments; one sweep")
    print(f"{'N':>7} {'version':>8} | {'#incidents digest says':<40} {'last line':<22} {'#payments digest says':<36} "
          f"{'items read':>10} {'requests':>8}")
    for size in map(str, args.sizes):
        for name, m in ((args.before, then[size]), ("now", now[size])):
            print(f"{int(size):>7,} {name:>8} | {m['incidents']:<40} {m['rest']:<22} {m['payments']:<36} "
                  f"{m['items']:>10,} {m['requests']:>8,}")
        assert now[size]["incidents"] == f"{size} alerts nobody has acknowledged", now[size]
        assert now[size]["payments"] == "3 alerts nobody has acknowledged", now[size]


if __name__ == "__main__":
    sys.exit(main())
