"""Nothing early, through Slack and the real handlers: overlapping sweeps reading a lagging `due` index page
the next level, end a page and page an overdue alert only when the time has come.

The stack's clock is moved by the test (the functions run in this process), so the issue's own policy -
`level @bob after 5m; level @carol after 5m` - runs without waiting five minutes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from klaxon.dynamo.table import Table
from tests.integration.slack_app.conftest import monitoring_scene


@pytest.fixture
def lagging_index(monkeypatch):
    """DynamoDB's `due` index as it may be for a moment: still listing every item of a kind, due or not."""
    read_index = Table.due

    def lagging(self, kind, *, until=None, since=None, limit=None):
        return read_index(self, kind, since=Decimal(0), limit=limit) if until is not None \
            else read_index(self, kind, since=since, limit=limit)

    monkeypatch.setattr(Table, "due", lagging)


@pytest.fixture
def ops(stack, alice, bob):
    """#ops pages `db` (Bob, then Carol, five minutes apart); #solo-ops pages `solo` (Bob alone)."""
    carol = stack.workspace.add_user("carol")["id"]
    stack.workspace.add_channel("ops")
    stack.workspace.add_channel("solo-ops")
    for command in ("policy set db level @bob after 5m; level @carol after 5m", "policy use db in #ops",
                    "policy set solo level @bob after 5m", "policy use solo in #solo-ops"):
        assert stack.klaxon(alice, "#ops", command).startswith(":white_check_mark:")
    return {"alice": alice, "bob": bob, "carol": carol}


def dms(stack, user):
    return [m for m in stack.workspace.ims(user) if m.get("user") == "U0KLAXON"]


def dropped_notes(stack, channel, ts):
    return [m["text"] for m in stack.workspace.thread(channel, ts)[1:] if m["text"].startswith(":no_bell:")]


def overlapping_sweeps(stack, local_stack):
    local_stack[1].sweeps_at_once(count=3)
    stack.settle()


def test_overlapping_sweeps_page_carol_when_bobs_five_minutes_run_out(stack, ops, local_stack, lagging_index,
                                                                      later):
    stack.workspace.post("#ops", "<@U0KLAXON> db is down", user=ops["alice"])
    stack.settle()
    assert len(dms(stack, ops["bob"])) == 1

    later(seconds=0.2)
    overlapping_sweeps(stack, local_stack)
    later(minutes=4, seconds=59)
    overlapping_sweeps(stack, local_stack)
    assert dms(stack, ops["carol"]) == [], "not 0.2 s after Bob, nor a second before his wait ends"

    later(seconds=1)
    overlapping_sweeps(stack, local_stack)
    assert len(dms(stack, ops["carol"])) == 1 and len(dms(stack, ops["bob"])) == 1


def test_a_one_level_page_is_dropped_when_its_wait_runs_out_not_as_it_starts(stack, ops, local_stack,
                                                                             lagging_index, later):
    mention = stack.workspace.post("#solo-ops", "<@U0KLAXON> queue stuck", user=ops["alice"])
    stack.settle()
    later(seconds=0.05)
    overlapping_sweeps(stack, local_stack)
    assert dropped_notes(stack, "#solo-ops", mention.ts) == [], "not exhausted 50 ms after paging"

    later(minutes=5)
    overlapping_sweeps(stack, local_stack)
    assert len(dropped_notes(stack, "#solo-ops", mention.ts)) == 1


def test_an_alert_pages_when_its_ack_timeout_runs_out(stack, ops, local_stack, lagging_index, later):
    monitoring_scene(stack, ops["alice"], "/disk \\d+%/ to #incidents policy solo ack-timeout 2m")

    later(minutes=1, seconds=59)
    overlapping_sweeps(stack, local_stack)
    assert dms(stack, ops["bob"]) == []

    later(seconds=1)
    overlapping_sweeps(stack, local_stack)
    assert len(dms(stack, ops["bob"])) == 1
