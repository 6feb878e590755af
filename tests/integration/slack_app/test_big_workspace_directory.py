"""A workspace of 20,000 people through the real handlers: /klaxon with references Slack resolved on cold
containers under Slack's rate limits, typed names once the sweep copied the directory, and the answer to a
name Klaxon's copy does not have yet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from infra.driver import StackDriver
from infra.stack import BOT_TOKEN
from klaxon.bootstrap import cold_start

LIST_CALLS = {"users.list", "conversations.list"}


@pytest.fixture
def big(stack: StackDriver, alice: str) -> Iterator[dict[str, Any]]:
    """20,000 people and 300 user groups, #incidents, and one person (listed past users.list's first page)
    and one group picked from them."""
    ws = stack.workspace
    ws.populate(20_000, usergroups=300)
    ws.add_channel("incidents")
    slack = WebClient(token=BOT_TOKEN, base_url=f"{stack.workspace.url}/api/")
    cursor = slack.users_list(limit=1000)["response_metadata"]["next_cursor"]
    person = next(m for m in slack.users_list(limit=1000, cursor=cursor)["members"]
                  if not (m["deleted"] or m["is_bot"]))
    group = slack.usergroups_list()["usergroups"][7]
    yield {"person": person, "group": group}
    ws.rate_limits(False)


def run_cold(stack: StackDriver, alice: str, text: str, *, escape: bool = True) -> tuple[str, list[str]]:
    """`/klaxon <text>` on a new container; the answer and the Web API methods Klaxon called for it."""
    cold_start()
    before = len(stack.workspace.calls())
    outcome = stack.workspace.command(alice, "#incidents", "/klaxon", text, escape=escape)
    stack.settle()
    assert outcome.delivery.ok
    answers = stack.workspace.ephemerals(alice)
    return answers[-1]["text"], [call.method for call in stack.workspace.calls()[before:]]


def test_commands_with_references_slack_resolved_answer_on_a_cold_container_with_three_calls_at_most(stack, alice,
                                                                                                    big):
    person, group = big["person"]["name"], big["group"]["handle"]
    stack.workspace.rate_limits(True)
    for text in (f"policy set db level @{person} after 5m; level @{group}",
                 f"rule add disk to #incidents from @{person} hotline @{group}",
                 f"rule add cpu to #incidents hotline @{person} policy db",
                 "channel #incidents default ack"):
        answer, methods = run_cold(stack, alice, text)
        assert answer.startswith(":white_check_mark:"), (text, answer)
        assert len(methods) <= 3 and not LIST_CALLS & set(methods), (text, methods)


def test_a_typed_name_is_answered_with_how_to_pick_it_until_the_sweep_has_copied_the_directory(stack, alice, big):
    person = big["person"]["name"]
    answer, methods = run_cold(stack, alice, f"rule add disk to #incidents from @{person}", escape=False)
    assert f"nobody called @{person}" in answer and "still reading this workspace's directory" in answer
    assert "pick them from Slack's list" in answer and methods.count("users.list") <= 1

    sweeps, listed = 0, len(stack.workspace.calls("users.list"))
    while not any(item["sk"] == "CURRENT" for item in stack.items("DIRECTORY")):
        stack.sweep()
        sweeps += 1
        assert sweeps < 10, "the directory is copied within a few sweeps"
    # 21 pages of people (the departed too), one of channels, one of groups: five list calls a sweep at most.
    assert sweeps == 5 and len(stack.workspace.calls("users.list")) - listed == 21

    answer, methods = run_cold(stack, alice, f"rule add disk to #incidents from @{person}", escape=False)
    assert answer.startswith(":white_check_mark:"), answer
    assert not LIST_CALLS & set(methods), methods
