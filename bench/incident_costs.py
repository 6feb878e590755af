"""What declared incidents cost: DynamoDB items read and written, and Slack Web API calls, per declaration,
per command in a comms channel, and per sweep with 200 open incidents whose reminders are due.

    .venv/bin/python -m bench.incident_costs [--incidents 200] [--rounds 5]      (from the repository root)

A warm Slack function in the local cloud (in-process: moto's server, the Lambda Invoke endpoint) and the
emulated workspace, which sends real signed commands, form submissions and events. Klaxon's own counters
on its table access give the items and requests; the emulator's record of Web API calls gives Slack's side.
Each figure is the mean over `--rounds` repetitions, everything the request set off included (the lazy
work, the message bus's subscribers, the claims that make a delivery's work happen once).
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from klaxon.bootstrap import runtime

SECRET = "emulator-signing-secret"
TOKEN = "xoxb-klaxon-emulator"
BOT = "U0KLAXON"


@dataclass
class Cost:
    items_read: float
    reads: float
    items_written: float
    writes: float
    slack: Counter[str]
    rounds: int

    def row(self, name: str) -> str:
        calls = sum(self.slack.values()) / self.rounds
        updates = self.slack["chat.update"] / self.rounds
        shown = ", ".join(f"{method} {count / self.rounds:g}" for method, count in sorted(self.slack.items()))
        return (f"| {name} | {self.items_read:.1f} ({self.reads:.1f}) | {self.items_written:.1f} ({self.writes:.1f}) "
                f"| {calls:g} | {updates:g} | {shown} |")


def measure(stack: Any, act: Callable[[int], None], rounds: int) -> Cost:
    """Mean cost of `act(n)` over `rounds`, with what it set off."""
    table = runtime().store.table
    reads, writes = (table.reads.items, table.reads.requests), (table.writes.items, table.writes.requests)
    calls_before = len(stack.workspace.calls())
    for n in range(rounds):
        act(n)
        stack.settle()
    calls = Counter(call.method for call in stack.workspace.calls()[calls_before:])
    return Cost(items_read=(table.reads.items - reads[0]) / rounds, reads=(table.reads.requests - reads[1]) / rounds,
                items_written=(table.writes.items - writes[0]) / rounds,
                writes=(table.writes.requests - writes[1]) / rounds, slack=calls, rounds=rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from infra.driver import StackDriver
    from infra.local import CloudOptions, LocalCloud
    from infra.slack_emulator import SlackEmulator

    with SlackEmulator(signing_secret=SECRET) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                          TABLE_NAME="klaxon-bench", POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_LOG_LEVEL="WARNING", ADMIN_USERS="U00000001")
        with LocalCloud(CloudOptions(port=0, sweep_seconds=0)) as cloud:
            stack = StackDriver(cloud.url, slack.url)
            stack.workspace.configure(app_url=f"{cloud.url}/slack/events")
            rows = commands(stack, args.rounds)
            sweep_rows = sweep_costs(stack, args.incidents)
    print("\n| what | items read (requests) | items written (requests) | Slack calls | of them chat.update "
          "| Slack calls by method |\n|---|---:|---:|---:|---:|---|")
    print("\n".join(rows + sweep_rows))


def commands(stack: Any, rounds: int) -> list[str]:
    """Declaring, then each command in the comms channel, `rounds` times each."""
    ws = stack.workspace
    alice = ws.add_user("alice")["id"]
    bob = ws.add_user("bob")["id"]
    incidents = ws.add_channel("incidents", members=["alice", "bob"])["id"]
    ws.add_channel("ops", members=["alice", "bob"])
    os.environ["INCIDENTS_CHANNEL"] = incidents
    from klaxon.bootstrap import cold_start

    cold_start()
    stack.klaxon(alice, "#ops", 'keyword add "runbook" reply "Runbooks: https://wiki.example/rb"')

    def declare(n: int) -> None:
        ws.command(alice, "#ops", "/incident", f"checkout fails, round {n}")
        form = [v["view"] for v in ws.state()["views"].values() if v["user"] == alice][-1]
        ws.submit_view(alice, form["id"], {"severity": "3"})

    rows = [measure(stack, declare, rounds).row("declare (/incident, form submitted, severity 3)")]
    headline = [m for m in ws.messages("#incidents") if m.get("bot_id")][-1]
    rows.append(measure(stack, lambda n: ws.click(alice, "#incidents", headline["ts"], "incident.comms_channel"),
                        1).row("open the comms channel (headline button)"))
    channel = next(c for c in ws.state()["channels"] if c.get("name", "").startswith("inc-"))["id"]

    def say(text: str) -> Callable[[int], None]:
        return lambda n: ws.post(channel, f"<@{BOT}> {text.format(n=n)}", user=alice)

    for name, act in (("@klaxon update <text>", say("update still looking, round {n}")),
                      ("@klaxon action <text>", say("action follow-up {n}")),
                      ("@klaxon severity (4, then 3, …)",
                       lambda n: ws.post(channel, f"<@{BOT}> severity {4 - n % 2}", user=alice)),
                      ("@klaxon lead (bob, alice, …)", lambda n: ws.post(channel, f"<@{BOT}> lead",
                                                                          user=alice if n % 2 else bob)),
                      ("@klaxon timeline (a question)", say("timeline")),
                      ("/incident update <text> (in the channel)",
                       lambda n: ws.command(alice, channel, "/incident", f"update slash round {n}")),
                      ("pin a message", lambda n: ws.pin(alice, channel, ws.post(channel, f"found it {n}",
                                                                                 user=alice).ts)),
                      ("a message with a keyword (replied once)", lambda n: ws.post(channel, "the runbook?",
                                                                                     user=alice)),
                      ("a message in a comms channel, no keyword", lambda n: ws.post(channel, "looking", user=alice)),
                      ("Slack retries a command", lambda n: ws.redeliver(
                          [d for d in ws.deliveries() if d.event_type == "app_mention"][-1].id, retry_num=1,
                          reason="http_timeout"))):
        rows.append(measure(stack, act, rounds).row(name))
    return rows


def sweep_costs(stack: Any, count: int) -> list[str]:
    """A sweep with `count` open incidents whose reminders are due, then one with none due."""
    from klaxon.incidents.model import Incident

    ws, store = stack.workspace, stack.store
    now = datetime.now(UTC)
    for n in range(count):
        channel = ws.add_channel(f"inc-bench-{n}")["id"]
        incident = Incident(id=f"bench-{n:04d}", summary=f"service {n} degraded", severity=None, reporter="U00000001",
                            lead=None, declared_at=now - timedelta(minutes=6), comms_channel=channel)
        store.incidents.declare(incident, f"bench:{n}", [], now - timedelta(minutes=5))
    due = measure(stack, lambda n: stack.sweep(), 1)
    quiet = measure(stack, lambda n: stack.sweep(), 1)
    return [due.row(f"sweep: {count} open incidents, no lead and no severity reminders due"),
            quiet.row(f"sweep: the same {count}, nothing due until their next reminder")]


if __name__ == "__main__":
    main()
