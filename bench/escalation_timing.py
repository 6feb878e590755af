"""How late escalations are, whether anyone is paged twice, and what a sweep reads, on a simulated clock.

    .venv/bin/python -m bench.escalation_timing [--pages 1000] [--period 60] [--concurrent]
    .venv/bin/python -m bench.escalation_timing --slack emulator [--pages 100] [--period 60]

Pages with random policies (1-3 levels, waits of 30 s to 10 min, some repeating) start at random
moments over half an hour; the real sweep (klaxon.sweep) runs every `--period` simulated seconds
against moto's server (one request at a time, as DynamoDB applies them) until every page is spent.
With `--concurrent`, every sweep runs twice at the same moment in two threads, as overlapping
EventBridge deliveries would. Measured:

- lateness: for each level after the first, when it was notified minus when it was due (the previous
  level's notification plus its wait); target p99 ≤ one sweep period;
- duplicates: the same person notified twice for the same step of the same page; target 0;
- items read per sweep against the pages due in it.

With `--slack emulator`, the sweep talks to the Slack emulator with Slack's rate limits on, through Klaxon's
own gateway and a client that waits out a 429 of up to 3 s as the sweep's does - on the emulator's
simulated clock, so a wait costs simulated time, not real time. All `--pages` pages fall due in the same
sweep (two levels of two people each, out of 30; each page a thread of one incidents channel), so a sweep
has 100 pages' messages to send at once. A sweep starts on its schedule, or when the one before finished.
It runs twice in the same run: with direct-message channels remembered (DynamoDB, once a person) and,
for comparison, opened again for every message (as before). Measured besides lateness and duplicates:
messages lost (a step's person never told), conversations.open and chat.postMessage calls, 429s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
from slack_sdk import WebClient
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from infra.local.moto_server import SerialMotoServer
from infra.slack_emulator import SlackEmulator, Workspace
from infra.slack_emulator.rate_limits import ManualClock
from infra.stack import BOT_TOKEN
from infra.template import create_table
from klaxon.alerts.digests import Digest
from klaxon.alerts.model import AlertListing
from klaxon.configuration.model import Configuration
from klaxon.dynamo import DynamoStore
from klaxon.events import Event
from klaxon.paging import service as paging
from klaxon.paging.policies import EscalationPolicy, Level, LevelReached, Notification, Page
from klaxon.slack.client import WaitBriefly, retry_after
from klaxon.slack.gateway import WebSlackGateway
from klaxon.sweep import SweepContext, sweep

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PEOPLE = [f"U{n:08d}" for n in range(30)]


class RecordingSlack:
    """Records every page notification with the simulated moment it was sent; everything else is a no-op."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, str, datetime]] = []
        self.lock = threading.Lock()
        self.now = T0

    def open_direct_message(self, user: str) -> str:
        return f"D{user}"

    def page_person(self, user: str, channel: str, page: Page, step: int) -> str:
        with self.lock:
            self.sent.append((page.id, step, user, self.now))
        return f"{time.time():.6f}"

    def tell_paging(self, page: Page, step: int, reached: LevelReached) -> None:
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

    def post_reminder(self, channel: str, overdue: AlertListing) -> str:
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
    busy = [(items, due) for items, due in reads if due]
    return {
        **lateness_of(sent, policies, {}), "sweeps": len(reads),
        "items_per_due": sum(i for i, _ in busy) / max(1, sum(d for _, d in busy)),
        "max_due": max(d for _, d in reads), "idle_items": max((i for i, d in reads if not d), default=0),
    }


def lateness_of(sent: list[tuple[str, int, str, datetime]], policies: dict[int, EscalationPolicy],
                due_first: dict[tuple[str, int], datetime]) -> dict[str, float]:
    """Duplicates, and how late each step was: against the previous step plus its wait, or for a page's first
    step against `due_first` (a first step missing there was due when it was sent)."""
    duplicates = sum(count - 1 for count in Counter((p, s, u) for p, s, u, _ in sent).values() if count > 1)
    first_sent: dict[tuple[str, int], datetime] = {}
    for page_id, step, _, at in sent:
        first_sent[(page_id, step)] = min(at, first_sent.get((page_id, step), at))
    lateness = []
    for (page_id, step), at in first_sent.items():
        if step == 0 and (page_id, step) not in due_first:
            continue
        policy = policies[int(page_id.rsplit("/", 1)[1])]
        due = due_first.get((page_id, step)) or \
            first_sent[(page_id, step - 1)] + timedelta(seconds=policy.level_at(step - 1).wait_seconds)
        lateness.append((at - due).total_seconds())
    lateness.sort()
    return {"notifications": len(sent), "steps": len(first_sent), "duplicates": duplicates,
            "p50": statistics.median(lateness), "p99": lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))],
            "max": lateness[-1], "early": sum(1 for late in lateness if late < 0)}


class SimulatedWait(WaitBriefly):
    """The sweep's 429 handling (wait out at most 3 s), waiting on the emulator's clock instead of sleeping."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(max_wait=3)
        self.clock = clock

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        self.clock.advance(retry_after(response) + 0.5)  # Slack's Retry-After and the client's jitter, on average
        state.increment_current_attempt()


class TimedGateway(WebSlackGateway):
    """Klaxon's gateway, noting when (on the simulated clock) each page message went out."""

    def __init__(self, client: WebClient, clock: ManualClock) -> None:
        super().__init__(client)
        self.clock = clock
        self.sent: list[tuple[str, int, str, datetime]] = []
        self.sweep_at, self.sweep_clock = T0, 0.0

    def page_person(self, user: str, channel: str, page: Page, step: int) -> str:
        ts = super().page_person(user, channel, page, step)
        self.sent.append((page.id, step, user, self.sweep_at + timedelta(seconds=self.clock() - self.sweep_clock)))
        return ts


class Forgetful:
    """A person's direct-message channel never remembered: conversations.open before every message (the naive way)."""

    def dm_channel(self, user: str) -> str | None:
        return None

    def remember_dm_channel(self, user: str, channel: str) -> None:
        pass


def run_under_limits(pages: int, period: int, remember: bool) -> dict[str, float]:
    """`pages` pages due in one sweep, against the emulator with Slack's limits on (see the module's doc)."""
    rng = random.Random(11)
    clock = ManualClock()
    with SlackEmulator(rate_limits=True, clock=clock) as emulator, SerialMotoServer() as moto:
        ws = Workspace(emulator.url)
        people = [ws.add_user(f"oncall-{n}")["id"] for n in range(30)]
        channel = ws.add_channel("incidents")["id"]
        client = WebClient(token=BOT_TOKEN, base_url=emulator.api_url, retry_handlers=[SimulatedWait(clock)])
        slack = TimedGateway(client, clock)
        # The pages' threads: Klaxon's posts of the alerts that paged, made well before the sweep.
        roots = [str(client.chat_postMessage(channel=channel, text=f"alert {n}")["ts"]) for n in range(pages)]
        clock.advance(600)
        dynamodb = boto3.client("dynamodb", endpoint_url=moto.url, region_name="us-east-1",
                                aws_access_key_id="bench", aws_secret_access_key="bench")
        table = f"klaxon-bench-{uuid.uuid4().hex[:6]}"
        create_table(dynamodb, table)
        store = DynamoStore(dynamodb, table)
        if not remember:
            store.people = Forgetful()  # type: ignore[assignment]
        policies = {n: EscalationPolicy(f"p{n}", (Level(tuple(rng.sample(people, 2)), 120),
                                                  Level(tuple(rng.sample(people, 2)), 120))) for n in range(pages)}
        for n in range(pages):  # every page's first step is due in the first sweep
            store.pages.start(Page(id=f"bench/{n}", summary=f"page {n}", channel=channel, ts=roots[n],
                                   policy=policies[n], started_at=T0, next_at=T0))
        ws_calls, start = len(ws.calls()), clock()
        scheduled, sweeps, failed = T0, 0, 0
        while store.pages.due(scheduled + timedelta(days=1), limit=1):
            # A sweep starts on its schedule, or when the one before it finished if that ran longer.
            now = max(scheduled, T0 + timedelta(seconds=clock() - start))
            clock.advance(max(0.0, (now - T0).total_seconds() - (clock() - start)))
            slack.sweep_at, slack.sweep_clock = now, clock()
            context = SweepContext(store=store, slack=slack, directory=NoGroups(), config=Configuration(),  # type: ignore[arg-type]
                                   now=now, publish=lambda _: None)
            try:
                sweep(context)
            except Exception:
                failed += 1  # a step Slack refused for longer than a sweep waits: the next sweep carries on
            sweeps += 1
            scheduled += timedelta(seconds=period)
        calls = ws.calls()[ws_calls:]
        expected = {(f"bench/{n}", step, user) for n, policy in policies.items()
                    for step in range(2) for user in policy.level_at(step).handlers}
        firsts = {(f"bench/{n}", 0): T0 for n in range(pages)}
        m = lateness_of(slack.sent, policies, firsts)
        return {**m, "lost": len(expected - {(p, s, u) for p, s, u, _ in slack.sent}), "sweeps": sweeps,
                "failed_sweeps": failed, "opens": sum(c.method == "conversations.open" for c in calls),
                "posts": sum(c.method == "chat.postMessage" for c in calls),
                "limited": sum(c.status == 429 for c in calls)}


def main_under_limits(pages: int, period: int) -> None:
    started = time.perf_counter()
    runs = {"remembered": run_under_limits(pages, period, remember=True),
            "opened every time": run_under_limits(pages, period, remember=False)}
    print(f"\n{pages} pages due in one sweep, sweep every {period}s simulated, the Slack emulator with Slack's rate "
          f"limits on ({time.perf_counter() - started:.0f}s real):")
    print(f"  {'DM channels':<18} {'sent':>5} {'dup':>4} {'lost':>5} {'p50 s':>7} {'p99 s':>7} {'max s':>7} "
          f"{'opens':>6} {'posts':>6} {'429s':>5} {'sweeps':>7} {'failed':>7}")
    for name, m in runs.items():
        print(f"  {name:<18} {m['notifications']:>5} {m['duplicates']:>4} {m['lost']:>5} {m['p50']:>7.1f} "
              f"{m['p99']:>7.1f} {m['max']:>7.1f} {m['opens']:>6} {m['posts']:>6} {m['limited']:>5} "
              f"{m['sweeps']:>7} {m['failed_sweeps']:>7}")
    fast, slow = runs["remembered"], runs["opened every time"]
    print(f"  conversations.open: {slow['opens'] / max(1, fast['opens']):.1f}x fewer remembered; "
          f"lateness p99 {slow['p99']:.1f}s -> {fast['p99']:.1f}s (target <= {period}s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--period", type=int, default=60)
    parser.add_argument("--concurrent", action="store_true", help="run each sweep twice at once")
    parser.add_argument("--slack", choices=("recorded", "emulator"), default="recorded",
                        help="emulator: Slack's rate limits on, 100 pages due in one sweep (see above)")
    args = parser.parse_args()
    if args.slack == "emulator":
        main_under_limits(args.pages if args.pages != 1000 else 100, args.period)
        return
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
