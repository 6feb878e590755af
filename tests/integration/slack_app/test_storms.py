"""An alert storm through Slack and the real handlers (issue 14, item 3): a burst of one alert's repeats is
counted exactly, its post is redrawn a few times rather than once a repeat, and the sweep draws the last count."""

from __future__ import annotations

import pytest

BURST = 40


@pytest.fixture
def storming(stack, alice):
    ws = stack.workspace
    ws.add_channel("incidents")
    ws.add_channel("alerts-prod")
    ws.add_bot("datadog")
    stack.klaxon(alice, "#alerts-prod", r"rule add /disk \d+%/ to #incidents")
    return stack


def test_a_burst_of_repeats_is_counted_exactly_redrawn_a_few_times_and_its_last_count_drawn(storming, later):
    ws = storming.workspace
    for n in range(BURST):
        ws.post("#alerts-prod", f"disk {90 + n % 10}% on db-1", bot="datadog")
    storming.settle()
    (post,) = ws.messages("#incidents")
    redrawn = len(ws.calls("chat.update"))
    assert 1 <= redrawn <= 3, "within seconds: the first repeat drawn, the rest held for the next redraw"

    later(seconds=61)
    storming.sweep()

    (post,) = ws.messages("#incidents")
    assert f"seen {BURST} times" in str(post["blocks"]), "every repeat counted, the last count drawn"
    assert len(ws.calls("chat.update")) == redrawn + 1
