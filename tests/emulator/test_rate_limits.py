"""Slack's rate-limit tiers, enforced per method per workspace on a clock the test moves by hand."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from infra.slack_emulator import SlackEmulator, Workspace
from infra.slack_emulator.methods import METHODS
from infra.slack_emulator.rate_limits import (
    METHOD_BUDGETS,
    POST_PER_CHANNEL,
    POST_PER_WORKSPACE,
    TIER_1,
    TIER_2,
    TIER_3,
    TIER_4,
    Budget,
    ManualClock,
    RateLimits,
)

from .conftest import BOT_TOKEN


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def limited(clock: ManualClock) -> Iterator[SlackEmulator]:
    """An emulator enforcing the limits from the start, on the hand-moved clock."""
    with SlackEmulator(rate_limits=True, clock=clock) as emulator:
        yield emulator


def client_of(emulator: SlackEmulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emulator.api_url)  # no retry handlers: every 429 is seen


def statuses(limits: RateLimits, method: str, count: int, **args: str) -> list[int]:
    return [429 if limits.check(method, args) else 200 for _ in range(count)]


# The tiers, as Slack publishes them: the sustained rate per minute, and calls allowed at once


@pytest.mark.parametrize(("method", "budget"), [
    ("apps.connections.open", TIER_1), ("users.list", TIER_2), ("conversations.info", TIER_3),
    ("users.info", TIER_4),
])
def test_each_tier_allows_its_burst_then_its_rate(clock: ManualClock, method: str, budget: Budget) -> None:
    limits = RateLimits("T1", clock, enabled=True)

    assert statuses(limits, method, budget.burst) == [200] * budget.burst  # a burst from a rested bucket
    retry_after = limits.check(method, {})
    assert retry_after == math.ceil(60 / budget.per_minute)  # one call's worth of refill, in whole seconds

    clock.advance(retry_after)
    assert limits.check(method, {}) is None  # waiting exactly Retry-After is enough
    again = limits.check(method, {})
    assert again is not None and 1 <= again <= retry_after  # and the next call waits for the rate again


@pytest.mark.parametrize(("method", "per_minute"), [("users.list", 20), ("conversations.info", 50),
                                                   ("users.info", 100)])
def test_over_ten_minutes_a_tier_serves_its_rate_a_minute_beyond_the_first_burst(
        clock: ManualClock, method: str, per_minute: int) -> None:
    limits = RateLimits("T1", clock, enabled=True)
    served = 0
    for _ in range(10 * 60 * 4 + 1):  # a caller trying four times a second, from 0 s to 600 s included
        served += limits.check(method, {}) is None
        clock.advance(0.25)

    assert served == METHOD_BUDGETS[method].burst + 10 * per_minute


def test_tier_1_tolerates_a_small_burst_only() -> None:
    limits = RateLimits("T1", ManualClock(), enabled=True)

    assert statuses(limits, "apps.connections.open", 3) == [200, 200, 429]
    assert limits.check("apps.connections.open", {}) == 60


def test_methods_have_budgets_of_their_own(clock: ManualClock) -> None:
    limits = RateLimits("T1", clock, enabled=True)
    statuses(limits, "users.list", 20)

    assert limits.check("users.list", {}) is not None
    assert limits.check("usergroups.list", {}) is None  # another Tier 2 method is not touched
    assert limits.check("users.info", {}) is None


def test_refused_calls_do_not_count_against_the_budget(clock: ManualClock) -> None:
    limits = RateLimits("T1", clock, enabled=True)
    statuses(limits, "users.list", 20)
    statuses(limits, "users.list", 50)  # hammering while limited

    clock.advance(3)
    assert limits.check("users.list", {}) is None


# chat.postMessage: one a second per channel with short bursts, several hundred a minute in all


def test_posting_is_limited_per_channel(clock: ManualClock) -> None:
    limits = RateLimits("T1", clock, enabled=True)

    assert statuses(limits, "chat.postMessage", 6, channel="C1") == [200] * POST_PER_CHANNEL.burst + [429]
    assert limits.check("chat.postMessage", {"channel": "C1"}) == 1  # about one a second
    assert limits.check("chat.postMessage", {"channel": "C2"}) is None  # another channel has its own budget

    clock.advance(1)
    assert limits.check("chat.postMessage", {"channel": "C1"}) is None
    assert limits.check("chat.postMessage", {"channel": "C1"}) == 1


def test_posting_to_many_channels_meets_the_workspace_wide_limit(clock: ManualClock) -> None:
    limits = RateLimits("T1", clock, enabled=True)
    posted = [limits.check("chat.postMessage", {"channel": f"C{n}"}) is None for n in range(400)]

    assert sum(posted) == POST_PER_WORKSPACE.burst
    assert limits.check("chat.postMessage", {"channel": "C9999"}) == 1  # 300 a minute: one every 0.2 s


def test_a_channel_named_by_id_or_by_name_has_one_budget(limited: SlackEmulator) -> None:
    workspace = Workspace(limited.url)
    channel = workspace.add_channel("alerts")["id"]
    slack = client_of(limited)
    for _ in range(POST_PER_CHANNEL.burst):
        slack.chat_postMessage(channel=channel, text="storm")

    with pytest.raises(SlackApiError) as refused:
        slack.chat_postMessage(channel="#alerts", text="storm")

    assert refused.value.response.status_code == 429
    assert len(workspace.messages("alerts")) == POST_PER_CHANNEL.burst  # the refused post was not posted


# Over HTTP, as the app sees it


def test_an_over_budget_call_gets_429_ratelimited_and_retry_after(limited: SlackEmulator) -> None:
    slack = client_of(limited)
    for _ in range(TIER_2.burst):
        slack.conversations_list()

    with pytest.raises(SlackApiError) as refused:
        slack.conversations_list()

    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "3"  # 20 a minute: one every 3 s
    assert refused.value.response.data == {"ok": False, "error": "ratelimited"}
    assert [c.status for c in Workspace(limited.url).calls("conversations.list")][-2:] == [200, 429]


def test_slack_sdks_retry_handler_waits_retry_after_on_the_emulators_clock(
        limited: SlackEmulator, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the app has spent users.info's burst
    slack = WebClient(token=BOT_TOKEN, base_url=limited.api_url,
                      retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    user = Workspace(limited.url).add_user("alice")["id"]
    for _ in range(TIER_4.burst):
        slack.users_info(user=user)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the client's wait moves the simulated clock, not real time
        waits.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", sleep)

    # When it asks once more
    answer = slack.users_info(user=user)

    # Then it waited what Slack said (1 s, plus the handler's jitter) and got through
    assert answer["user"]["id"] == user
    assert len(waits) == 1 and 1 <= waits[0] < 2


def test_limits_are_off_by_default_and_switched_through_the_control_api() -> None:
    with SlackEmulator(clock=ManualClock()) as emulator:
        workspace, slack = Workspace(emulator.url), client_of(emulator)
        assert all(slack.conversations_list()["ok"] for _ in range(TIER_2.burst + 5))  # off: never limited

        workspace.rate_limits(True)
        for _ in range(TIER_2.burst):
            slack.usergroups_list()
        with pytest.raises(SlackApiError):
            slack.usergroups_list()

        workspace.rate_limits(False)
        assert slack.usergroups_list()["ok"]


def test_a_reset_workspace_starts_with_full_budgets_and_keeps_the_switch(limited: SlackEmulator) -> None:
    workspace, slack = Workspace(limited.url), client_of(limited)
    for _ in range(TIER_2.burst):
        slack.conversations_list()

    workspace.reset()

    assert all(slack.conversations_list()["ok"] for _ in range(TIER_2.burst))
    with pytest.raises(SlackApiError):
        slack.conversations_list()


def test_every_method_the_emulator_implements_has_slacks_tier() -> None:
    assert set(METHODS) <= set(METHOD_BUDGETS), sorted(set(METHODS) - set(METHOD_BUDGETS))
