"""Commands in a workspace of 20,000 people on a cold container, with Slack's rate limits on: the directory
snapshot (klaxon.directory) against paging users.list inside the command, the way it was.

    .venv/bin/python -m bench.directory_commands [--people 20000]      (from the repository root)

In one process: the local cloud's Slack function (the real handler, Bolt's lazy listener re-invoked through
the local Lambda endpoint, moto's DynamoDB) and the Slack emulator with 20,000 people and 300 user groups,
enforcing each method's tier on a simulated clock (a minute passes between commands, as between people).
Each command runs on a new container (klaxon.bootstrap.cold_start). Measured per command: seconds until the
answer reached the person, the Web API calls it made, DynamoDB items read and written. First with
references Slack resolved, then with typed names once the sweep has copied the directory (its cost
measured too), then a typed name the copy lacks. The naive way - the directory as it was, paging
users.list 200 at a time until the name is found - is measured in the same run on the same emulator: its
calls, and its time with Slack's 429 waits on the simulated clock (no one waits four minutes for a bench).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from klaxon.bootstrap import cold_start, runtime
from klaxon.slack.client import WaitBriefly, retry_after

SECRET = "emulator-signing-secret"
TOKEN = "xoxb-klaxon-emulator"
ADMIN = "U00000001"


class SimulatedWait(WaitBriefly):
    """A lazy listener's 429 handling (waits up to 60 s), waiting on the emulator's clock, not sleeping."""

    def __init__(self, clock: Any) -> None:
        super().__init__(max_wait=60, max_retry_count=200)
        self.clock, self.waited = clock, 0.0

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response) + 0.5
        self.clock.advance(wait)
        self.waited += wait
        state.increment_current_attempt()


def command(stack: Any, clock: Any, text: str, *, escape: bool = True, command_name: str = "/klaxon") -> dict[str, Any]:
    """One command on a cold container: seconds to the answer, Slack calls, items read and written."""
    clock.advance(60)
    cold_start()
    calls_before, answers_before = len(stack.workspace.calls()), len(stack.workspace.ephemerals(ADMIN))
    started = time.perf_counter()
    stack.workspace.command(ADMIN, "#incidents", command_name, text, escape=escape)
    while command_name == "/klaxon" and len(stack.workspace.ephemerals(ADMIN)) == answers_before:
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    stack.settle()
    table = runtime().store.table
    answer = stack.workspace.ephemerals(ADMIN)[-1]["text"] if command_name == "/klaxon" else "(the form opened)"
    return {"text": text if command_name == "/klaxon" else f"{command_name} {text}", "seconds": seconds,
            "calls": [c.method for c in stack.workspace.calls()[calls_before:]], "read": table.reads.items,
            "written": table.writes.items, "answer": answer}


def naive(api_url: str, clock: Any, name: str) -> dict[str, Any]:
    """The directory as it was: users.list, 200 a page, until the whole workspace is read."""
    waits = SimulatedWait(clock)
    client = WebClient(token=TOKEN, base_url=api_url, retry_handlers=[waits])
    started, calls, cursor, found = time.perf_counter(), 0, None, False
    while True:
        page = client.users_list(limit=200, cursor=cursor)
        calls += 1
        found = found or any(m["name"] == name for m in page["members"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return {"calls": calls, "seconds": time.perf_counter() - started + waits.waited, "found": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()

    from infra.driver import StackDriver
    from infra.local import CloudOptions, LocalCloud
    from infra.slack_emulator import SlackEmulator
    from infra.slack_emulator.rate_limits import ManualClock

    clock = ManualClock()
    with SlackEmulator(signing_secret=SECRET, clock=clock) as slack:
        os.environ.update(SLACK_API_URL=slack.api_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                          TABLE_NAME="klaxon-bench", POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_LOG_LEVEL="WARNING", ADMIN_USERS=ADMIN)
        cold_start()
        with LocalCloud(CloudOptions(port=0, sweep_seconds=0)) as cloud:
            stack = StackDriver(cloud.url, slack.url)
            ws = stack.workspace
            ws.configure(app_url=f"{cloud.url}/slack/events")
            ws.add_user("alice")  # U00000001, the admin
            ws.add_channel("incidents")
            ws.populate(args.people, usergroups=300)
            lister = WebClient(token=TOKEN, base_url=slack.api_url)
            cursor = lister.users_list(limit=1000)["response_metadata"]["next_cursor"]
            for _ in range(10):  # someone listed well into the workspace: the naive way reads far to find them
                cursor = lister.users_list(limit=1000, cursor=cursor)["response_metadata"]["next_cursor"]
            person = next(m for m in lister.users_list(limit=1000, cursor=cursor)["members"]
                          if not (m["deleted"] or m["is_bot"]))["name"]
            group = lister.usergroups_list()["usergroups"][7]["handle"]
            ws.rate_limits(True)
            clock.advance(600)

            resolved = [command(stack, clock, text) for text in (
                f"policy set db level @{person} after 5m; level @{group}",
                f"rule add disk to #incidents from @{person} hotline @{group} policy db",
                "hosts mute db-1 for 2h", "rule list", "help")]
            resolved.append(command(stack, clock, "checkout is down", command_name="/incident"))
            unknown = command(stack, clock, f"rule add cpu to #incidents from @{person}", escape=False)

            calls_before, sweeps = len(ws.calls()), 0
            runtime().store.table.reads.items = runtime().store.table.writes.items = 0
            while not any(item["sk"] == "CURRENT" for item in stack.items("DIRECTORY")):
                clock.advance(60)
                stack.sweep()
                sweeps += 1
            refresh_calls = [c.method for c in ws.calls()[calls_before:]]
            refresh_items = (runtime().store.table.reads.items, runtime().store.table.writes.items)
            typed = [command(stack, clock, text, escape=False) for text in (
                f"rule add cpu to #incidents from @{person} hotline @{group}",
                f"policy set web level @{person} after 5m")]
            clock.advance(600)
            old = naive(slack.api_url, clock, person)

    print(f"\n{args.people:,} people, 300 user groups; Slack's rate limits on; each command on a cold container:")
    print("| command | seconds to the answer | Slack calls | which | DynamoDB items read / written |")
    print("|---|---:|---:|---|---:|")
    for row in [*resolved, unknown, *typed]:
        print(f"| `{row['text'][:70]}` | {row['seconds']:.2f} | {len(row['calls'])} | {', '.join(row['calls'])} "
              f"| {row['read']} / {row['written']} |")
    print(f"\nthe unknown name's answer: {unknown['answer']}")
    print(f"\nthe sweep's directory copy: {sweeps} sweeps, {len(refresh_calls)} Slack calls "
          f"({', '.join(f'{m} {refresh_calls.count(m)}' for m in sorted(set(refresh_calls)))}), "
          f"{refresh_items[0]} items read, {refresh_items[1]} written")
    worst = max([*resolved, unknown, *typed], key=lambda row: row["seconds"])
    most = max(len(row["calls"]) for row in [*resolved, unknown, *typed])
    print(f"\nthe naive way (users.list 200 a page): {old['calls']} calls, {old['seconds']:.0f} s with Slack's waits "
          f"(found: {old['found']}); the snapshot: at most {most} calls, at most {worst['seconds']:.2f} s "
          f"({old['calls'] / max(1, most):.0f}x fewer calls, {old['seconds'] / worst['seconds']:.0f}x sooner)")


if __name__ == "__main__":
    main()
