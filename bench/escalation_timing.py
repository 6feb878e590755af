"""How late escalations are, whether anyone is paged twice, and what a sweep reads, on a simulated clock.

    .venv/bin/python -m bench.escalation_timing [--pages 1000] [--period 60] [--concurrent]

Pages with random policies (1-3 levels, waits of 30 s to 10 min, some repeating) start at random
moments over half an hour; the real sweep (klaxon.sweep) runs every `--period` simulated seconds
against moto's server (one request at a time, as DynamoDB applies them) until every page is spent.
With `--concurrent`, every sweep runs twice at the same moment in two threads, as overlapping
EventBridge deliveries would. Measured:

- lateness: for each level after the first, when it was notified minus when it was due (the previous
  level's notification plus its wait); target p99 ≤ one sweep period;
- duplicates: the same person notified twice for the same step of the same page; target 0;
- items read per sweep against the pages due in it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import boto3

from infra.local.moto_server import SerialMotoServer
from infra.template import create_table
from klaxon.alerts.digests import Digest
from klaxon.alerts.model import Alert
from klaxon.configuration.model import Configuration
from klaxon.dynamo import DynamoStore
from klaxon.events import Event
from klaxon.paging import service as paging
from klaxon.paging.policies import EscalationPolicy, Level, Notification, Page
from klaxon.sweep import SweepContext, sweep

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PEOPLE = [f"U{n:08d}" for n in range(30)]


class RecordingSlack:
    """Records every page notification with the simulated moment it was sent; everything else is a no-op."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, str, datetime]] = []
        self.lock = threading.Lock()
        self.now = T0

    def page_person(self, user: str, page: Page, step: int) -> tuple[str, str]:
        with self.lock:
            self.sent.append((page.id, step, user, self.now))
        return f"D{user}", f"{time.time():.6f}"

    def tell_paging(self, page: Page, step: int, people: Sequence[str]) -> None:
        pass

    def tell_page_acknowledged(self, page: Page) -> None:
        pass

    def tell_page_dropped(self, page: Page) -> None:
        pass

    def show_page_acknowledged(self, notification: Notification, page: Page) -> None:
        pass

    def post_digest(self, digest: Digest) -> str:
        return "1.0"

    def update_digest(self, digest: Digest, ts: str) -> None:
        pass

    def post_reminder(self, channel: str, overdue: Sequence[Alert]) -> str:
        return "1.0"

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        return {}


class NoGroups:
    def group_members(self, group_id: str) -> frozenset[str]:
        return frozenset()


def random_policy(rng: random.Random, n: int) -> EscalationPolicy:
    levels = tuple(Level(tuple(rng.sample(PEOPLE, rng.randint(1, 3))), rng.randint(30, 600))
                   for _ in range(rng.randint(1, 3)))
    return EscalationPolicy(f"p{n}", levels, repeat=rng.choice((0, 0, 1)))


def run(pages: int, period: int, concurrent: bool, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    with SerialMotoServer() as moto:
        client = boto3.client("dynamodb", endpoint_url=moto.url, region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench")
        table = f"klaxon-bench-{uuid.uuid4().hex[:6]}"
        create_table(client, table)
        store, slack = DynamoStore(client, table), RecordingSlack()
        starts = sorted((T0 + timedelta(seconds=rng.uniform(0, 1800)), n) for n in range(pages))
        policies = {n: random_policy(rng, n) for n in range(pages)}
        config = Configuration()
        reads: list[tuple[int, int]] = []  # (items read, pages due) per sweep
        told: list[Event] = []  # the bench times paging alone: its events are kept, nobody subscribes
        now, pending = T0, list(starts)
        while pending or store.pages.due(now + timedelta(days=1), limit=1):
            window_end = now + timedelta(seconds=period)
            while pending and pending[0][0] < window_end:  # mentions arrive between sweeps
                at, n = pending.pop(0)
                slack.now = at
                page = Page(id=f"bench/{n}", summary=f"page {n}", channel="C0BENCH", ts=f"{n}.0",
                            policy=policies[n], started_at=at, next_at=at)
                paging.start(page, paging.Pager(store=store, slack=slack, directory=NoGroups(), now=at,  # type: ignore[arg-type]
                                                publish=told.append))
            now = slack.now = window_end
            due = len(store.pages.due(now))
            store.table.reads.items = 0
            context = SweepContext(store=store, slack=slack, directory=NoGroups(), config=config,  # type: ignore[arg-type]
                                   now=now, publish=told.append)
            workers = [threading.Thread(target=sweep, args=(context,)) for _ in range(2 if concurrent else 1)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            reads.append((store.table.reads.items, due))
        return measure(slack.sent, policies, reads)


def measure(sent: list[tuple[str, int, str, datetime]], policies: dict[int, EscalationPolicy],
            reads: list[tuple[int, int]]) -> dict[str, float]:
    duplicates = sum(count - 1 for count in Counter((p, s, u) for p, s, u, _ in sent).values() if count > 1)
    first_sent: dict[tuple[str, int], datetime] = {}
    for page_id, step, _, at in sent:
        first_sent[(page_id, step)] = min(at, first_sent.get((page_id, step), at))
    lateness = []
    for (page_id, step), at in first_sent.items():
        if step == 0:
            continue
        policy = policies[int(page_id.rsplit("/", 1)[1])]
        due = first_sent[(page_id, step - 1)] + timedelta(seconds=policy.level_at(step - 1).wait_seconds)
        lateness.append((at - due).total_seconds())
    lateness.sort()
    busy = [(items, due) for items, due in reads if due]
    return {
        "notifications": len(sent), "steps": len(first_sent), "duplicates": duplicates,
        "p50": statistics.median(lateness), "p99": lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))],
        "max": lateness[-1], "early": sum(1 for late in lateness if late < 0), "sweeps": len(reads),
        "items_per_due": sum(i for i, _ in busy) / max(1, sum(d for _, d in busy)),
        "max_due": max(d for _, d in reads), "idle_items": max((i for i, d in reads if not d), default=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--period", type=int, default=60)
    parser.add_argument("--concurrent", action="store_true", help="run each sweep twice at once")
    args = parser.parse_args()
    started = time.perf_counter()
    m = run(args.pages, args.period, args.concurrent)
    mode = "two concurrent sweeps each period" if args.concurrent else "one sweep each period"
    print(f"\n{args.pages} pages, sweep every {args.period}s simulated, {mode} "
          f"({m['sweeps']} sweeps, {time.perf_counter() - started:.0f}s real):")
    print(f"  notifications sent      {m['notifications']:,} for {m['steps']:,} steps")
    print(f"  duplicate notifications {m['duplicates']} (target 0)")
    print(f"  lateness p50 {m['p50']:.1f}s  p99 {m['p99']:.1f}s  max {m['max']:.1f}s  (target p99 <= {args.period}s);"
          f" early: {m['early']}")
    print(f"  items read per due page {m['items_per_due']:.2f} (busiest sweep: {m['max_due']} due); "
          f"a sweep with nothing due reads {m['idle_items']} items")


if __name__ == "__main__":
    main()
