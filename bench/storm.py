"""An alert storm: 1,000 repeats of one alert within a minute, from a watched channel and from a webhook source,
through the real intake on DynamoDB (moto, the table from template.yaml) - Klaxon now, beside the way it was
before (commit ce0692d: a transaction per repeat and a redraw per repeat), in the same run.

    .venv/bin/python -m bench.storm [--repeats 1000] [--before ce0692d]

Each repeat is taken at its own moment, one every 60 ms (the storm lasts a minute); then, for Klaxon now, the
sweep runs a minute later and twice more (its trailing redraw draws the last count, then forgets it). Counted:
`chat.update` calls (Slack allows about 50 a minute, Tier 3), DynamoDB items written and read (Klaxon's own
table counters: a transaction's items each count), and the count the post shows at the end. The "before" side
runs in a subprocess on `git archive <before> shared`, with the same driver.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from infra.template import create_table
from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.intake import Intake, take_external, take_message
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage
from klaxon.configuration.model import Configuration
from klaxon.dynamo import DynamoStore
from klaxon.rules import Rule

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
INCIDENTS = "C0INCIDENT"
ME = Identity("U0KLAXON", "B0KLAXON", None)
CONFIG = Configuration(version=1, rules=(Rule.create(pattern="disk", target_channel=INCIDENTS),
                                         Rule.create(pattern="checkout", target_channel=INCIDENTS)))


class CountingSlack:
    """A Slack gateway that counts the calls the intake makes and remembers the count each draw showed."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.shown = 0

    def post_alert(self, alert: Any) -> str:
        self.calls["chat.postMessage"] += 1
        self.shown = alert.count
        return "1800000000.000100"

    def update_alert(self, alert: Any) -> None:
        self.calls["chat.update"] += 1
        self.shown = max(self.shown, alert.count)

    def permalink(self, channel: str, ts: str) -> str:
        self.calls["chat.getPermalink"] += 1
        return f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def recent_alert_posts(self, channel: str) -> dict[str, str]:
        self.calls["conversations.history"] += 1
        return {}


class NoSilences:
    def silencing(self, alert: Any, at: datetime) -> None:
        return None


def take(kind: str, store: DynamoStore, slack: CountingSlack, n: int, at: datetime) -> None:
    intake = Intake(store=store, slack=slack, config=CONFIG, me=ME, silences=NoSilences(),  # type: ignore[arg-type]
                    publish=lambda event: None, now=at)
    if kind == "message":
        take_message(ChannelMessage("C0ALERTS", f"{1_800_000_000 + n}.000100", "B0DATADOG",
                                    f"disk {n % 100}% on db-1"), intake)
    else:  # a source resends its firing alert with the time it first fired, as Alertmanager does
        take_external([ExternalEvent("generic", "checkout-latency", ExternalStatus.FIRING, "checkout p99 above 2s",
                                     occurred_at=T0)], intake)


def measure(kind: str, repeats: int) -> dict[str, Any]:
    """One storm of `repeats` messages (or firings), then (if this Klaxon has them) the sweep's trailing redraws."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "klaxon-bench")
        store = DynamoStore(client, "klaxon-bench")
        slack = CountingSlack()
        for n in range(repeats):
            take(kind, store, slack, n, T0 + timedelta(milliseconds=n * 60_000 // repeats))
        during = slack.calls["chat.update"]
        try:
            from klaxon.alerts.storms import draw_trailing  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            draw_trailing = None  # before: every repeat was drawn at once, no trailing redraw
        if draw_trailing is not None:
            for minutes in (2, 3, 6):
                draw_trailing(store=store, slack=slack, now=T0 + timedelta(minutes=minutes), limit=100)
        return {"updates_during": during, "updates": slack.calls["chat.update"], "shown": slack.shown,
                "writes": store.table.writes.items, "transact": store.table.writes.by_kind.get("transact", 0),
                "reads": store.table.reads.items, "slack": sum(slack.calls.values())}


def run_before(revision: str, module: str, arguments: list[str]) -> dict[str, Any]:
    """A benchmark's own figures (its `--json`) on Klaxon as it was at `revision` (its shared/ from git), in a
    subprocess: the way it was, measured in the same run as the way it is."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as workdir:
        archive = subprocess.run(["git", "-C", str(root), "archive", revision, "shared"], check=True,
                                 capture_output=True).stdout
        archive_path = Path(workdir, "shared.tar")
        archive_path.write_bytes(archive)
        with tarfile.open(archive_path) as tar:
            tar.extractall(workdir, filter="data")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(workdir, "shared")), str(root)])}
        out = subprocess.run([sys.executable, "-m", module, *arguments, "--json"], check=True, capture_output=True,
                             text=True, env=env, cwd=root).stdout
    return dict(json.loads(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1000)
    parser.add_argument("--before", default="ce0692d", help="the revision to compare with (git)")
    parser.add_argument("--json", action="store_true", help="measure this Klaxon only and print JSON")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    now = {kind: measure(kind, args.repeats) for kind in ("message", "webhook")}
    if args.json:
        print(json.dumps(now))
        return
    then = run_before(args.before, "bench.storm", ["--repeats", str(args.repeats)])
    print(f"\n{args.repeats:,} repeats of one alert in a minute; target: <= 15 chat.update, <= 2,000 item writes, "
          f"count shown {args.repeats:,}")
    print(f"{'source':>8} {'version':>8} | {'chat.update':>11} {'(in storm)':>10} {'items written':>13} "
          f"{'in transactions':>15} {'items read':>10} {'count shown':>11}")
    for kind in ("message", "webhook"):
        for name, figures in ((args.before, then[kind]), ("now", now[kind])):
            print(f"{kind:>8} {name:>8} | {figures['updates']:>11,} {figures['updates_during']:>10,} "
                  f"{figures['writes']:>13,} {figures['transact']:>15,} {figures['reads']:>10,} "
                  f"{figures['shown']:>11,}")
        print(f"{'':>8} {'ratio':>8} | {then[kind]['updates'] / max(1, now[kind]['updates']):>10.0f}x {'':>10} "
              f"{then[kind]['writes'] / max(1, now[kind]['writes']):>12.1f}x")
        figures = now[kind]
        assert figures["updates"] <= 15 and figures["writes"] <= 2000 and figures["shown"] == args.repeats, figures


if __name__ == "__main__":
    main()
