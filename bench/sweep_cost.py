"""What one sweep costs as stored alerts pile up, beside what an IMS-style sweep costs on the same data.

    .venv/bin/python -m bench.sweep_cost [--sizes 1000 10000 100000] [--due 100] [--channels 4]

For each size, DynamoDB (moto, the table from template.yaml) holds that many alerts across a few
incidents channels: `--due` of them unacknowledged past the digest threshold, the rest handled by
someone. One real sweep (klaxon.sweep) runs against it; Klaxon's own table access counts the items and
requests it reads, and a counting Slack gateway the Web API calls it makes.

IMS, on the same data, re-reads each incidents channel's history every loop to find messages without a
handled reaction, and asks users.info for each reacting user (it shows names). Slack now gives apps
outside the Marketplace 15 messages per conversations.history call and one call a minute; the IMS
columns count the calls such a loop needs and how long that limit makes it take.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from infra.template import create_table
from klaxon.alerts.digests import Digest
from klaxon.alerts.model import BUTTON, Alert, AlertListing, HandledMark, SlackMessageOrigin
from klaxon.configuration.model import Configuration, Preferences
from klaxon.dynamo import DynamoStore
from klaxon.dynamo.alerts import alert_item
from klaxon.events import Event
from klaxon.sweep import SweepContext, sweep

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HISTORY_PAGE = 15  # messages per conversations.history call for apps outside the Marketplace (2025)


class CountingSlack:
    """A Slack gateway that only counts what the sweep asks of it."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        self.calls["reactions.get"] += 1
        return {}

    def post_digest(self, digest: Digest) -> str:
        self.calls["chat.postMessage"] += 1
        return f"{time.time():.6f}"

    def update_digest(self, digest: Digest, ts: str) -> None:
        self.calls["chat.update"] += 1

    def post_reminder(self, channel: str, overdue: AlertListing) -> str:
        self.calls["chat.postMessage"] += 1
        return "1.0"

    def update_alert(self, alert: Alert) -> None:
        self.calls["chat.update"] += 1


def stored_alerts(total: int, due: int, channels: int) -> list[Alert]:
    """`total` alerts, `due` of them overdue and unacknowledged, the rest handled by someone."""
    alerts = []
    for n in range(total):
        first_seen = NOW - timedelta(hours=2, seconds=n)
        origin = SlackMessageOrigin("C0ALERTS", f"{1_700_000_000 + n}.000100", "B0DATADOG", permalink="https://x/p")
        alert = Alert(id=f"C0ALERTS/{1_700_000_000 + n}.000100", origin=origin, text=f"disk 9{n % 10}% on db-{n}",
                      label="[Disk]", target_channel=f"C0INC{n % channels}", fingerprint=f"fp{n}",
                      first_seen=first_seen, post_ts=f"{1_700_000_001 + n}.000100")
        if n >= due:
            alert = Alert(**{**alert.__dict__, "marks": (HandledMark(f"U0PERSON{n % 7}", BUTTON, first_seen),)})
        alerts.append(alert)
    return alerts


def measure(total: int, due: int, channels: int) -> dict[str, float]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "klaxon-bench")
        store = DynamoStore(client, "klaxon-bench")
        alerts = stored_alerts(total, due, channels)
        store.table.put_many([{"pk": f"ALERT#{a.id}", "sk": "ALERT", **alert_item(a)} for a in alerts])
        config = Configuration(preferences=Preferences(digest_after_seconds=900, reconcile_limit=0))
        first, second = CountingSlack(), CountingSlack()
        told: list[Event] = []  # the bench counts the sweep's reads alone: its events are kept, nobody subscribes
        sweep(SweepContext(store=store, slack=first, directory=None, config=config, now=NOW,  # type: ignore[arg-type]
                           publish=told.append))
        store.table.reads.items = store.table.reads.requests = 0  # the steady state: digests already posted
        started = time.perf_counter()
        sweep(SweepContext(store=store, slack=second, directory=None, config=config, publish=told.append,
                           now=NOW + timedelta(minutes=1)))  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        handled_reactions = total - due
        history_calls = sum(math.ceil(sum(1 for a in alerts if a.target_channel == f"C0INC{c}") / HISTORY_PAGE)
                            for c in range(channels))
        return {"items": store.table.reads.items, "requests": store.table.reads.requests,
                "first_slack": sum(first.calls.values()), "slack": sum(second.calls.values()), "seconds": elapsed,
                "ims_history": history_calls,
                "ims_users_info": handled_reactions, "ims_minutes": history_calls / channels}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--channels", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

    limit = 2 * args.due + args.channels
    print(f"\n{args.due} due alerts across {args.channels} incidents channels; target: items read <= "
          f"2 x due + channels = {limit}, zero history reads")
    print("Klaxon: the second of two sweeps a minute apart (digests posted by the first; its Slack calls in brackets)")
    print(f"{'stored':>8} | {'Klaxon items':>12} {'requests':>8} {'Slack calls':>11} {'history':>7} {'sweep s':>7} | "
          f"{'IMS history calls':>17} {'IMS users.info':>14} {'IMS loop at 1/min':>17}")
    for size in args.sizes:
        m = measure(size, args.due, args.channels)
        slack = f"{m['slack']:.0f} ({m['first_slack']:.0f})"
        print(f"{size:>8,} | {m['items']:>12,.0f} {m['requests']:>8,.0f} {slack:>11} {0:>7} {m['seconds']:>7.2f} | "
              f"{m['ims_history']:>17,.0f} {m['ims_users_info']:>14,.0f} {m['ims_minutes']:>13,.0f} min")
        assert m["items"] <= limit, f"read {m['items']} items, more than {limit}"


if __name__ == "__main__":
    main()
