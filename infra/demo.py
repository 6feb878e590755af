"""`make demo`: a scripted incident on the local stack, then what the emulated workspace saw.

Two processes, as in production: the local cloud runs Klaxon's real handlers (template.yaml's stack,
moto's DynamoDB), the emulator plays Slack and the people and bots in it. Every step goes over HTTP.
The sweep, which EventBridge runs every minute in AWS, is run on demand here so the story is quick.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from infra.driver import StackDriver
from infra.stack import FIRST_CHANNEL, WEBHOOK_SECRET, WEBHOOK_SECRETS, LocalStack

BOT = "U0KLAXON"


class Scene:
    """The demo's narration and checks: each expectation printed, and any that failed kept."""

    def __init__(self, stack: StackDriver) -> None:
        self.stack = stack
        self.ws = stack.workspace
        self.problems: list[str] = []

    def say(self, text: str) -> None:
        print(f"\n▶ {text}", flush=True)

    def expect(self, condition: bool, what: str) -> None:
        print(f"  {'✓' if condition else '✗'} {what}", flush=True)
        if not condition:
            self.problems.append(what)

    def klaxon(self, user: str, channel: str, text: str) -> str:
        answer = self.stack.klaxon(user, channel, text)
        print(f"  /klaxon {text}\n    → {answer.splitlines()[0]}")
        return answer

    def sweep(self, after: float) -> None:
        time.sleep(after)
        self.stack.sweep()

    def dms(self, user: str) -> list[dict]:
        return [m for m in self.ws.ims(user) if m.get("user") == BOT]

    def notes(self, channel: str, ts: str) -> list[str]:
        return [m["text"] for m in self.ws.thread(channel, ts)[1:]]

    def post(self, channel: str, ts: str) -> dict:
        return next(m for m in self.ws.messages(channel) if m["ts"] == ts)


def play(stack: StackDriver) -> list[str]:
    """The scene; returns what did not happen as it should (empty when all is well)."""
    scene = Scene(stack)
    ws, say, expect = scene.ws, scene.say, scene.expect

    say("A workspace: Datadog posts to #alerts-prod, Klaxon reposts to #incidents (the deployment's "
        "INCIDENTS_CHANNEL), the team talks in #ops")
    alice = ws.add_user("alice", real_name="Alice (on-call lead, Klaxon admin)")["id"]
    bob = ws.add_user("bob", real_name="Bob (on call)")["id"]
    carol = ws.add_user("carol", real_name="Carol (team lead)")["id"]
    ws.add_usergroup("leads", [carol])
    for channel in ("incidents", "alerts-prod", "ops", "hosts"):
        ws.add_channel(channel)
    ws.add_bot("datadog")

    say("Alice sets Klaxon up from Slack: an escalation policy, a rule that uses it, a digest threshold")
    scene.klaxon(alice, "#ops", "policy set db level @bob after 2s; level @leads after 2s")
    scene.klaxon(alice, "#ops", "policy use db in #ops")
    answer = scene.klaxon(alice, "#alerts-prod",
                          r'rule add disk (full|\d+%) to #incidents label "[Disk]" policy db ack-timeout 2s')
    scene.klaxon(alice, "#alerts-prod", "settings digest-after 1s")
    expect(answer.startswith(":white_check_mark:"), "the rule is added (and audited)")

    say("Datadog posts a deploy notice (no rule matches) and a disk alert (the rule matches)")
    ws.post("#alerts-prod", "deploy 1432 of api finished", bot="datadog")
    alert = ws.post("#alerts-prod", "", bot="datadog", attachments=[
        {"title": "[Triggered] disk 93% full on db-1", "text": "/var/lib/postgresql is at 93%",
         "fallback": "disk 93% full on db-1", "color": "danger"}])
    stack.settle()
    reposts = ws.messages("#incidents")
    expect(len(reposts) == 1, "one repost in #incidents, labelled [Disk], with an Acknowledge button")

    say("Slack retries the alert's delivery, as it does when an ack is slow")
    retry = ws.redeliver(alert.delivery.id, retry_num=1, reason="http_timeout")
    stack.settle()
    expect(retry.ok and len(ws.messages("#incidents")) == 1, "the retry is acknowledged and ignored")

    say("Nobody reacts. The sweep runs: the digest lists the alert, and its ack timeout pages level 1")
    scene.sweep(after=2.2)
    post = reposts[0]["ts"]
    expect(any("nobody has acknowledged" in m["text"] for m in ws.messages("#incidents")), "a digest in #incidents")
    expect(len(scene.dms(bob)) == 1, "Bob gets a direct message with an Acknowledge button")
    expect(any("Paging <@" in note for note in scene.notes("#incidents", post)), "the alert's thread says whom")

    say("Bob is asleep. The next sweep escalates to level 2: the @leads group")
    scene.sweep(after=2.2)
    expect(len(scene.dms(carol)) == 1, "Carol (in @leads) is paged")

    say("Carol acknowledges from her direct message")
    ws.click(carol, carol, scene.dms(carol)[0]["ts"], "page.acknowledge")
    stack.settle()
    scene.sweep(after=0)
    expect(any("acknowledged after" in note for note in scene.notes("#incidents", post)),
           "the thread says Carol acknowledged, and after how long")
    expect("Acknowledged by" in str(next(m for m in ws.messages("#incidents") if m["ts"] == post)["blocks"]),
           "the alert post shows it is acknowledged")
    expect(any(m["text"] == "Nothing unacknowledged" for m in ws.messages("#incidents")),
           "the digest, updated in place, is clear")

    say("Later Carol pages by hand from #ops; Bob, paged, acknowledges with a ✅ on her message")
    mention = ws.post("#ops", f"<@{BOT}> checkout latency is spiking", user=carol)
    stack.settle()
    ws.react(bob, "#ops", mention.ts, "white_check_mark")
    stack.settle()
    expect(len(scene.dms(bob)) == 2, "Bob is paged for the mention")
    expect(scene.notes("#ops", mention.ts)[-1].startswith(f":white_check_mark: <@{bob}> acknowledged"),
           "his ✅ on the mention stops the page")

    say("A monitoring tool sends Klaxon's generic webhook: checkout latency. Alice routes it with a rule")
    scene.klaxon(alice, "#ops", 'rule add /checkout/ to #incidents label "[Checkout]" from webhook:generic')
    latency = {"title": "checkout p99 above 2s", "dedup_key": "checkout-latency", "severity": "critical",
               "host": "api-3", "text": "p99 is 2.4s", "link": "https://grafana.example.com/d/checkout"}
    status, _ = stack.webhook("generic", latency, secret=WEBHOOK_SECRET)
    stack.webhook("generic", {**latency, "text": "p99 is 2.7s"}, secret=WEBHOOK_SECRET)
    webhook_post = next((m for m in ws.messages("#incidents") if "[Checkout]" in m["text"]), None)
    expect(status == 200 and webhook_post is not None and "seen 2 times" in str(webhook_post["blocks"]),
           "one post in #incidents, from generic on api-3, counted twice")
    refused, _ = stack.webhook("generic", latency, secret="guessed")
    expect(refused == 401, "a request without the source's secret is refused (401) and changes nothing")

    say("Bob acknowledges it with a ✅; then the monitoring tool says it is resolved")
    if webhook_post:
        ws.react(bob, "#incidents", webhook_post["ts"], "white_check_mark")
        stack.settle()
        expect(f"Acknowledged by <@{bob}>" in str(scene.post("#incidents", webhook_post["ts"])["blocks"]),
               "Bob's reaction acknowledges the webhook alert")
        stack.webhook("generic", {**latency, "status": "resolved"}, secret=WEBHOOK_SECRET)
        expect("Resolved by generic" in str(scene.post("#incidents", webhook_post["ts"])["blocks"]),
               "the post says its source resolved it")

    _storm(scene)
    _uptime_check(scene, alice)
    declared_incident(scene, alice=alice, bob=bob, carol=carol)
    _running_it(scene, alice)

    expect(not ws.violations(), "every Web API call matched Slack's published spec")
    expect(not stack.dead_letters(), "no asynchronous work was dead-lettered")
    return scene.problems


def _storm(scene: Scene) -> None:
    ws, stack = scene.ws, scene.stack
    scene.say("A storm: Datadog repeats one alert 30 times in a few seconds. One post; redraws are spaced out, "
              "and the sweep draws the final count")
    for _ in range(30):
        ws.post("#alerts-prod", "disk full on db-2 (/var/log)", bot="datadog")
    stack.settle()
    scene.sweep(after=5.2)  # a redraw at most every 5 s: the sweep after that draws the last count
    storm = [m for m in ws.messages("#incidents") if "db-2" in m["text"]]
    redraws = [c for c in ws.calls("chat.update") if storm and c.args.get("ts") == storm[0]["ts"]]
    scene.expect(len(storm) == 1 and "seen 30 times" in str(storm[0]["blocks"]),
                 "one post for the storm, showing exactly 30")
    scene.expect(len(redraws) < 10, f"the post was redrawn {len(redraws)} times, not once per repeat")


def _running_it(scene: Scene, alice: str) -> None:
    scene.say("Alice checks the installation with /klaxon doctor, and keeps the configuration as code")
    doctor = scene.klaxon(alice, "#ops", "doctor")
    scene.expect("scope" in doctor.lower(), "the doctor compares the token's scopes with the manifest's")
    exported = scene.klaxon(alice, "#ops", "export")
    scene.expect("disk (full|" in exported and "policies" in exported,
                 "the export holds the rules and the escalation policies, ready to import into a new stack")


def uptime_incident(state: str, started: int, ended: int | None = None) -> dict[str, object]:
    """What GCP Cloud Monitoring posts (schema 1.2) when its uptime check on shop.example.com fails or recovers."""
    return {"version": "1.2", "incident": {
        "incident_id": "0.uptime-shop-1", "state": state, "started_at": started, "ended_at": ended,
        "policy_name": "shop uptime", "condition_name": "Uptime Health Check on shop.example.com",
        "url": "https://console.cloud.google.com/monitoring/alerting/incidents/0.uptime-shop-1",
        "resource": {"type": "uptime_url", "labels": {"host": "shop.example.com", "project_id": "shop-prod"}},
        "summary": f"An uptime check on shop-prod Uptime Check URL labels {{host=shop.example.com}} is "
                   f"{'failing' if state == 'open' else 'passing again'}."}}


def _uptime_check(scene: Scene, alice: str) -> None:
    """GCP's uptime check fails and recovers; the host board in #hosts follows it."""
    stack, ws, say, expect = scene.stack, scene.ws, scene.say, scene.expect
    say("Alice keeps a host board in #hosts (redrawn every 2s for the demo) and sends GCP's alerts to #incidents")
    scene.klaxon(alice, "#ops", "settings host-board #hosts")
    scene.klaxon(alice, "#ops", "settings host-board-every 2s")
    scene.klaxon(alice, "#ops", "settings source-channel gcp #incidents")

    say("GCP Cloud Monitoring's uptime check on shop.example.com fails (its webhook sends ?token=…)")
    token = {"token": WEBHOOK_SECRETS["gcp"]}
    started = int(time.time())
    status, _ = stack.webhook("gcp", uptime_incident("open", started), query=token)
    shop = next((m for m in ws.messages("#incidents") if "shop uptime" in m["text"]), None)
    expect(status == 200 and shop is not None, "the failing check is posted to #incidents, from gcp on the host")
    scene.sweep(after=0)
    board = ws.messages("#hosts")
    expect(len(board) == 1 and "*shop.example.com* down since" in str(board[0]["blocks"]),
           "the host board in #hosts shows shop.example.com down (api-3, from the generic webhook, is up)")
    expect("*shop.example.com* down since" in scene.klaxon(alice, "#ops", "hosts"), "/klaxon hosts shows it now")

    say("The check passes again: GCP closes the incident")
    stack.webhook("gcp", uptime_incident("closed", started, int(time.time()) + 1), query=token)
    scene.sweep(after=2.2)
    board = ws.messages("#hosts")
    expect(len(board) == 1 and "0 down, 0 muted, 2 up" in str(board[0]["blocks"]),
           "the same board message, redrawn in place: every host is up")
    if shop:
        expect("Resolved by gcp" in str(scene.post("#incidents", shop["ts"])["blocks"]),
               "the alert's post says GCP resolved it")


def declared_incident(scene: Scene, *, alice: str, bob: str, carol: str) -> None:
    """An incident declared with /incident, worked on in its comms channel, resolved and closed."""
    ws, say, expect, stack = scene.ws, scene.say, scene.expect, scene.stack

    say("Bob declares an incident from #ops: /incident opens the form at once, he submits it as severity 3")
    ws.command(bob, "#ops", "/incident", "checkout fails for EU customers")
    form = next((opened["view"] for opened in ws.state()["views"].values() if opened["user"] == bob), None)
    expect(form is not None, "the declaring form opened within Slack's 3 seconds, the summary filled in")
    if form is None:
        return
    ws.submit_view(bob, form["id"], {"severity": "3"})
    stack.settle()
    headline = next((m for m in ws.messages("#incidents") if "checkout fails" in m["text"]), None)
    expect(headline is not None, "the headline post in #incidents: SEV3 minor, investigating, Bob leads it")
    if headline is None:
        return

    say("Alice opens its comms channel from the headline post")
    ws.click(alice, "#incidents", headline["ts"], "incident.comms_channel")
    stack.settle()
    channel = next((c for c in ws.state()["channels"] if c.get("name", "").startswith("inc-")), None)
    expect(channel is not None and bob in channel["members"],
           f"#{channel['name'] if channel else '?'} is open, Bob and Alice invited, topic and doc bookmark set")
    if channel is None:
        return
    comms = channel["id"]

    say("In the channel Carol takes the lead and raises it to severity 1, which pages #ops's policy")
    ws.post(comms, f"<@{BOT}> lead", user=carol)
    ws.post(comms, f"<@{BOT}> severity 1", user=carol)
    stack.settle()
    expect(any("checkout fails" in str(m.get("blocks")) for m in scene.dms(bob)),
           "Bob is paged, his direct message linking the comms channel")
    summary = scene.post("#incidents", headline["ts"])["blocks"][0]["text"]["text"]
    expect("SEV1 critical" in summary, "the headline post, redrawn in place, says SEV1 critical")

    say("Bob pins the message that found the cause; it goes on the timeline")
    cause = ws.post(comms, "deploy 1432 broke the EU payment route; rolling back", user=bob)
    ws.pin(bob, comms, cause.ts)
    stack.settle()
    asked = ws.post(comms, f"<@{BOT}> timeline", user=alice)
    stack.settle()
    expect(any("rolling back" in m["text"] for m in ws.thread(comms, asked.ts)[1:]), "`@klaxon timeline` shows it")

    say("Carol resolves it; Alice closes it from the headline post; Carol is asked for the postmortem")
    ws.post(comms, f"<@{BOT}> resolve", user=carol)
    stack.settle()
    ws.click(alice, "#incidents", headline["ts"], "incident.close")
    stack.settle()
    expect(any("closed the incident from the headline post" in m["text"] for m in ws.messages(comms)),
           "the comms channel hears it was closed from the headline post")
    expect(any("postmortem" in m["text"] for m in scene.dms(carol)), "Carol, who led it, is asked for the postmortem")
    _incident_pages(scene, comms, alice=alice, carol=carol)


def _incident_pages(scene: Scene, comms: str, *, alice: str, carol: str) -> None:
    """The doc through the signed link `@klaxon doc` gives, the postmortem draft as a file, the history."""
    ws, say, expect, stack = scene.ws, scene.say, scene.expect, scene.stack
    say("Carol asks for the doc: `@klaxon doc` answers with a signed link that expires in 7 days")
    asked = ws.post(comms, f"<@{BOT}> doc", user=carol)
    stack.settle()
    links = [link for m in ws.thread(comms, asked.ts)[1:] for link in re.findall(r"<(https?://[^|>]+)\|", m["text"])]
    expect(len(links) == 1, f"the doc link: {links[0] if links else '(none)'}")
    if links:
        page = stack.open_page(links[0])
        expect(page.status == 200 and "checkout fails for EU customers" in page.title,
               f"the page opens (HTTP {page.status}): \"{page.title}\", private and uncached "
               f"({page.headers.get('cache-control')})")
        expect(stack.open_page(links[0][:-3] + "xyz").status == 403, "a tampered link is refused (403)")

    say("Carol asks for the postmortem draft: a Markdown file in the comms channel, the facts filled in")
    ws.post(comms, f"<@{BOT}> postmortem", user=carol)
    stack.settle()
    drafts = [f for f in ws.files() if f["name"].startswith("postmortem-")]
    expect(len(drafts) == 1 and "## What went well" in drafts[0]["content"],
           f"{drafts[0]['name'] if drafts else 'no file'} is posted in the channel "
           f"({len(drafts[0]['content'].splitlines()) if drafts else 0} lines)")

    say("Alice asks for the history: `/incident list` anywhere, with MTTA and MTTR")
    ws.command(alice, "#ops", "/incident", "list")
    stack.settle()
    answer = ws.ephemerals(alice)[-1]["text"] if ws.ephemerals(alice) else ""
    expect(answer.startswith("*Incidents declared in the last 30d: 1*") and "MTTR" in answer,
           "one incident in the last 30 days, with its response times and a link to the list page")


def main(scene: Callable[[StackDriver], list[str]] = play) -> int:
    logs = Path(tempfile.mkdtemp(prefix="klaxon-demo-"))
    print("Starting the Slack emulator and the local cloud…", flush=True)
    with LocalStack(log_dir=logs, extra_env={"INCIDENTS_CHANNEL": FIRST_CHANNEL}) as processes:
        stack = StackDriver(processes.cloud_url, processes.emulator_url)
        problems = scene(stack)
        print("\n──────── what the workspace shows ────────")
        print(stack.workspace.render())
    print(f"(logs of both processes: {logs})")
    if problems:
        print(f"\nDEMO FAILED: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
