"""The sweep on its own schedule (SWEEP_SECONDS=1) in the local cloud, driven only over HTTP."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import eventually

pytestmark = pytest.mark.e2e


def test_the_scheduled_sweep_posts_the_digest_and_clears_it_after_an_ack(ticking):
    ticking.reset()
    ws = ticking.workspace
    alice = ws.add_user("alice")["id"]
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    ticking.klaxon(alice, "#alerts-prod", "rule add /error rate/ to #incidents")
    ticking.klaxon(alice, "#alerts-prod", "settings digest-after 1s")
    ws.post("#alerts-prod", "error rate 7% on api", bot="datadog")
    ticking.settle()
    (alert,) = ws.messages("#incidents")

    def digest_text() -> str:
        others = [m for m in ws.messages("#incidents") if m["ts"] != alert["ts"]]
        return others[0]["text"] if others else ""

    eventually(lambda: digest_text() == "1 alert nobody has acknowledged")
    ws.react(alice, "#incidents", alert["ts"], "white_check_mark")
    eventually(lambda: digest_text() == "Nothing unacknowledged")
    assert len(ws.messages("#incidents")) == 2
    assert ws.violations() == [] and ticking.dead_letters() == []


def test_a_mention_escalates_on_schedule_until_someone_acknowledges(ticking):
    ticking.reset()
    ws = ticking.workspace
    alice, bob, carol = (ws.add_user(name)["id"] for name in ("alice", "bob", "carol"))
    ws.add_channel("ops")
    ticking.klaxon(alice, "#ops", "policy set db level @bob after 2s; level @carol after 2s")
    ticking.klaxon(alice, "#ops", "policy use db in #ops")

    mention = ws.post("#ops", "<@U0KLAXON> primary db is down", user=alice)
    ticking.settle()

    def dms(user: str) -> list[dict]:
        return [m for m in ws.ims(user) if m.get("user") == "U0KLAXON"]

    assert len(dms(bob)) == 1, "level 1 at once"
    eventually(lambda: len(dms(carol)) == 1)
    ws.click(carol, carol, dms(carol)[0]["ts"], "page.acknowledge")
    eventually(lambda: "acknowledged after" in ws.thread("#ops", mention.ts)[-1]["text"])
    notes = [m["text"] for m in ws.thread("#ops", mention.ts)[1:]]
    assert len(notes) == 3 and notes[0].startswith(f":rotating_light: Paging <@{bob}>")
    assert ws.violations() == [] and ticking.dead_letters() == []
