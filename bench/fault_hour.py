"""A scripted hour of alerts, acknowledgements and pages while Slack fails a set share of calls: what is lost,
what is doubled, how late.

    .venv/bin/python -m bench.fault_hour [--rate 0.05] [--per-minute 3] [--overlap] [--seed 7]

The real stack runs in this process - the Slack emulator, the local cloud (moto's DynamoDB, the loopback
Lambda Invoke endpoint with Lambda's two asynchronous retries and the dead-letter list), the real handlers
and the real sweep - and plays one simulated hour, a minute at a time. The clock Klaxon reads and the
emulator's message timestamps jump a minute at each step, so an hour runs in a few minutes; within a
minute, everything happens at real speed. With `--overlap`, every sweep runs twice at the same moment.

The script, from a seed: a monitoring bot posts `--per-minute` alerts a minute (distinct words, so none
is grouped with another), plus a "payments down" alert every 5 minutes whose rule pages policy `db`
when nobody acknowledges it within 3 minutes; someone mentions Klaxon in #ops every 7 minutes (a page
of `db`: Ann, then Ben, 2 minutes apart, once more from Ann); a monitoring tool sends a generic webhook
alert every 4 minutes (its own dedup key each time, routed to #incidents by a rule scoped to the source);
people acknowledge 60% of the reposts with a reaction and half of the pages with the button, 1-8 minutes
later. During the hour the emulator fails `--rate` of every Web API call Klaxon makes: a 429 with
Retry-After 1 s, a 5xx, or a timeout (Slack carries the call out and answers 1.5 s later; Klaxon's client
gives up after 1 s). A quarter of an hour without faults follows, so that retried and waiting work can
finish.

Measured from what the emulated workspace shows:
- alerts lost: posted monitoring messages and webhook alerts never posted (target 0); also never recorded;
- duplicates: reposts beyond one per alert, direct messages beyond one per page step and person (target 0);
- refused: webhook requests not answered 200 with the alert (its source would send them again);
- lateness: repost time minus message time (a webhook alert's post minus when its source sent it); each
  page step's direct message minus its due time (the mention, the alert's ack timeout, or the previous step
  plus its wait) - p50, p99, max, and any early;
- dead letters, and the faults injected by kind.

Lambda retries asynchronous work here after 0.2 s (in AWS: after 1 and 2 minutes), so work that needed a
retry is later in AWS than here by up to three minutes.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SECRET = "emulator-signing-secret"
TOKEN = "xoxb-klaxon-emulator"
WEBHOOK_SECRET = "fault-hour-webhook-secret"
ALERT_KINDS = ("disk full", "cpu high", "latency high")
# Place names without digits or hex-only words: the grouping fingerprint masks those, and these must not group.
PLACES = ("oslo", "lima", "rome", "kyiv", "riga", "suva", "juba", "lome", "nuuk", "hilo", "yuma", "troy", "utah",
          "pisa", "nice", "omsk", "perm", "ufa", "baku", "doha")
LEVEL_WAIT = 120  # seconds: the wait of each of `db`'s levels
ACK_TIMEOUT = 180  # seconds: the payments rule's ack timeout


class SimulatedTime:
    """Real time shifted by `offset` seconds: what Klaxon's clock and the emulator's timestamps read."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.offset = 0.0

    def time(self) -> float:
        return float(self._real.time() + self.offset)

    def time_ns(self) -> int:
        return int(self._real.time_ns() + int(self.offset * 1e9))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)  # monotonic, sleep, …: real


@contextmanager
def simulated_clock() -> Iterator[SimulatedTime]:
    """Klaxon's SystemClock, the emulator's message timestamps and its request signatures on one shifted clock;
    Klaxon's Slack client giving up after 1 s (the emulator's timeouts answer after 1.5 s)."""
    import infra.slack_emulator.delivery as delivery
    import infra.slack_emulator.ids as ids
    import klaxon.clock
    import klaxon.slack.client

    sim = SimulatedTime(time)
    saved = (delivery.time, ids.time, klaxon.clock.SystemClock.now, klaxon.slack.client.TIMEOUT_SECONDS)
    delivery.time = ids.time = sim  # type: ignore[assignment]
    klaxon.clock.SystemClock.now = lambda self: datetime.fromtimestamp(sim.time(), UTC)  # type: ignore[method-assign]
    klaxon.slack.client.TIMEOUT_SECONDS = 1
    try:
        yield sim
    finally:
        delivery.time, ids.time, klaxon.clock.SystemClock.now, klaxon.slack.client.TIMEOUT_SECONDS = saved


@dataclass
class Script:
    """What the hour's people and bots do, and what they expect."""

    alerts: dict[str, float] = field(default_factory=dict)  # alert id → message time
    paging_alerts: set[str] = field(default_factory=set)
    mentions: dict[str, float] = field(default_factory=dict)  # page id → mention time
    webhook_alerts: dict[str, float] = field(default_factory=dict)  # alert id → when the source sent it
    webhooks_refused: int = 0  # requests the webhooks function did not take (the source would resend them)
    acks_due: list[tuple[int, str, str]] = field(default_factory=list)  # (minute, kind, alert or page id)
    skipped_acks: int = 0


def run(rate: float, per_minute: int, overlap: bool, seed: int) -> dict[str, Any]:
    from infra.driver import StackDriver
    from infra.local import CloudOptions, LocalCloud
    from infra.slack_emulator import SlackEmulator
    from klaxon.bootstrap import cold_start

    rng = random.Random(seed)
    with simulated_clock() as sim, SlackEmulator(signing_secret=SECRET) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                          TABLE_NAME="klaxon-fault-hour", ADMIN_USERS="U00000001",
                          WEBHOOK_SECRET_GENERIC=WEBHOOK_SECRET,
                          POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_LOG_LEVEL="CRITICAL")
        cold_start()
        with LocalCloud(CloudOptions(port=0, sweep_seconds=0, async_retry_seconds=0.2)) as cloud:
            stack = StackDriver(cloud.url, slack.url)
            stack.workspace.configure(app_url=f"{cloud.url}/slack/events")
            people = set_up(stack)
            script = Script()
            stack.workspace.fault_rate(rate, retry_after=1, delay=1.5, seed=seed)
            for minute in range(60):
                play_minute(stack, cloud, sim, people, script, minute, per_minute, rng, overlap)
                sim.offset += 60
            injected = stack.workspace.fault_rate(0)
            for _ in range(15):  # a quarter of an hour without faults: retries and waiting work finish
                sweep(stack, cloud, overlap)
                sim.offset += 60
            return measure(stack, people, script, injected)


def set_up(stack: Any) -> dict[str, str]:
    ws = stack.workspace
    people = {name: ws.add_user(name)["id"] for name in ("alice", "ann", "ben", "cid", "dee")}
    for channel in ("incidents", "alerts-prod", "ops"):
        ws.add_channel(channel)
    ws.add_bot("datadog")
    for command in ("policy set db level @ann after 2m; level @ben after 2m; repeat 1", "policy use db in #ops",
                    'rule add /payments down/i to #incidents label "[P1]" policy db ack-timeout 3m',
                    'rule add /disk full|cpu high|latency high/i to #incidents label "[Alert]"',
                    'rule add /checkout slow/i to #incidents label "[Web]" from webhook:generic'):
        answer = stack.klaxon(people["alice"], "#ops", command)
        assert answer.startswith(":white_check_mark:"), answer
    return people


def play_minute(stack: Any, cloud: Any, sim: SimulatedTime, people: dict[str, str], script: Script, minute: int,
                per_minute: int, rng: random.Random, overlap: bool) -> None:
    ws = stack.workspace
    texts = [f"{rng.choice(ALERT_KINDS)} on {place(rng)}" for _ in range(per_minute)]
    if minute % 5 == 0:
        texts.append(f"payments down on {place(rng)}")
    for text in texts:
        posted = ws.post("#alerts-prod", text, bot="datadog")
        alert_id = f"{posted.channel}/{posted.ts}"
        script.alerts[alert_id] = float(posted.ts)
        if text.startswith("payments"):
            script.paging_alerts.add(alert_id)
        if rng.random() < 0.6:
            script.acks_due.append((minute + rng.randint(1, 8), "alert", alert_id))
    if minute % 4 == 1:
        send_webhook(stack, script, sim.time(), place(rng))
    if minute % 7 == 3:
        mention = ws.post("#ops", f"<@U0KLAXON> queue stuck on {place(rng)}", user=people["alice"])
        page_id = f"mention/{mention.channel}/{mention.ts}"
        script.mentions[page_id] = float(mention.ts)
        if rng.random() < 0.5:
            script.acks_due.append((minute + rng.randint(1, 5), "page", page_id))
    stack.settle()
    acknowledge(stack, people, script, minute, rng)
    sweep(stack, cloud, overlap)


def send_webhook(stack: Any, script: Script, at: float, where: str) -> None:
    """The monitoring tool's generic webhook: one alert of its own; what the webhooks function answered."""
    sent = {"title": f"checkout slow on {where}", "dedup_key": f"checkout-{where}", "severity": "major",
            "occurred_at": datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")}
    status, answer = stack.webhook("generic", sent, secret=WEBHOOK_SECRET)
    taken = (answer or {}).get("alerts") or [{}]
    if status != 200 or "alert" not in taken[0]:
        script.webhooks_refused += 1
        return
    script.webhook_alerts[str(taken[0]["alert"])] = at


def place(rng: random.Random) -> str:
    """A host name of three place names: 6,840 of them, none that the grouping fingerprint masks."""
    return "-".join(rng.sample(PLACES, 3))


def acknowledge(stack: Any, people: dict[str, str], script: Script, minute: int, rng: random.Random) -> None:
    ws = stack.workspace
    due = [(kind, key) for at, kind, key in script.acks_due if at == minute]
    reposts = {m["metadata"]["event_payload"]["id"]: m for m in ws.messages("#incidents") if m.get("metadata")}
    for kind, key in due:
        if kind == "alert":
            if key not in reposts:
                script.skipped_acks += 1
                continue
            ws.react(people[rng.choice(("ann", "ben", "cid", "dee"))], "#incidents", reposts[key]["ts"],
                     "white_check_mark")
        else:
            dm = next(((person, m) for person in ("ann", "ben") for m in ws.ims(people[person])
                       if (m.get("metadata") or {}).get("event_payload", {}).get("id", "").startswith(f"{key}|")
                       and m.get("blocks")), None)
            if dm is None:
                script.skipped_acks += 1
                continue
            person, message = dm
            try:
                ws.click(people[person], people[person], message["ts"], "page.acknowledge")
            except Exception:  # noqa: BLE001 - the button is gone: someone acknowledged it already
                script.skipped_acks += 1
    stack.settle()


def sweep(stack: Any, cloud: Any, overlap: bool) -> None:
    cloud.sweeps_at_once(count=2 if overlap else 1)
    stack.settle()


def measure(stack: Any, people: dict[str, str], script: Script, injected: dict[str, int]) -> dict[str, Any]:
    ws = stack.workspace
    reposts: dict[str, list[float]] = {}
    for message in ws.messages("#incidents"):
        tag = message.get("metadata") or {}
        if tag.get("event_type") == "klaxon_alert":
            reposts.setdefault(tag["event_payload"]["id"], []).append(float(message["ts"]))
    recorded = {item["id"] for item in stack.items("ALERT#") if item["sk"] == "ALERT"}
    dms: dict[str, list[float]] = {}
    for person in ("ann", "ben"):
        for message in ws.ims(people[person]):
            tag = message.get("metadata") or {}
            if tag.get("event_type") == "klaxon_page":
                dms.setdefault(tag["event_payload"]["id"], []).append(float(message["ts"]))
    repost_lateness = [min(reposts[a]) - at for a, at in script.alerts.items() if a in reposts]
    webhook_lateness = [min(reposts[a]) - at for a, at in script.webhook_alerts.items() if a in reposts]
    return {
        "alerts": len(script.alerts), "lost": len([a for a in script.alerts if a not in reposts]),
        "not_recorded": len([a for a in script.alerts if a not in recorded]),
        "webhook_alerts": len(script.webhook_alerts), "webhooks_refused": script.webhooks_refused,
        "webhook_lost": len([a for a in script.webhook_alerts if a not in reposts]),
        "webhook_lateness": percentiles(webhook_lateness),
        "duplicate_reposts": sum(len(times) - 1 for times in reposts.values()),
        "page_messages": sum(len(times) for times in dms.values()),
        "duplicate_page_messages": sum(len(times) - 1 for times in dms.values()),
        "repost_lateness": percentiles(repost_lateness),
        "page_lateness": percentiles(page_lateness(script, dms)),
        "dead_letters": len(stack.dead_letters()), "faults": injected,
        "slack_calls": len(ws.calls()), "acks_skipped": script.skipped_acks,
    }


def page_lateness(script: Script, dms: dict[str, list[float]]) -> list[float]:
    """Each page step's first direct message minus when it was due."""
    first: dict[tuple[str, int], float] = {}
    for key, times in dms.items():
        page_id, step, _person = key.split("|")
        first[(page_id, int(step))] = min(min(times), first.get((page_id, int(step)), min(times)))
    starts = dict(script.mentions)
    starts.update({f"alert/{a}": script.alerts[a] + ACK_TIMEOUT for a in script.paging_alerts})
    lateness = []
    for (page_id, step), at in first.items():
        due = starts.get(page_id) if step == 0 else first.get((page_id, step - 1), float("nan")) + LEVEL_WAIT
        if due is not None:
            lateness.append(at - due)
    return [late for late in lateness if late == late]  # a step whose previous one is unknown has no due time


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": 0.0, "p99": 0.0, "max": 0.0, "early": 0}
    ordered = sorted(values)
    return {"n": len(ordered), "p50": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], "max": ordered[-1],
            "early": sum(1 for value in ordered if value < -0.001)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=0.05, help="share of Web API calls that fail")
    parser.add_argument("--per-minute", type=int, default=3, help="monitoring alerts a minute")
    parser.add_argument("--overlap", action="store_true", help="run every sweep twice at the same moment")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    m = run(args.rate, args.per_minute, args.overlap, args.seed)
    mode = "two overlapping sweeps a minute" if args.overlap else "one sweep a minute"
    print(f"\nOne simulated hour at a {args.rate:.0%} fault rate, {mode} ({time.perf_counter() - started:.0f}s real):")
    print(f"  faults injected          {m['faults']} over {m['slack_calls']:,} Web API calls")
    print(f"  alerts posted by the bot {m['alerts']}; lost {m['lost']} (target 0), never recorded {m['not_recorded']}")
    print(f"  webhook alerts sent      {m['webhook_alerts']}; lost {m['webhook_lost']} (target 0), refused "
          f"{m['webhooks_refused']} (the source would resend them)")
    print(f"  duplicate reposts        {m['duplicate_reposts']} (target 0; messages' and webhooks' alerts)")
    print(f"  page direct messages     {m['page_messages']}; duplicates {m['duplicate_page_messages']} (target 0)")
    for name in ("repost_lateness", "webhook_lateness", "page_lateness"):
        p = m[name]
        print(f"  {name.replace('_', ' '):24s} n={p['n']} p50 {p['p50']:.1f}s  p99 {p['p99']:.1f}s  max {p['max']:.1f}s"
              f"  early {p['early']}")
    print(f"  dead letters             {m['dead_letters']}; acknowledgements skipped (nothing to ack yet) "
          f"{m['acks_skipped']}")


if __name__ == "__main__":
    main()
