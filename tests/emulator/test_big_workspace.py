"""A workspace of 20,000 people and 300 user groups, paged through users.list as Slack pages it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from infra.slack_emulator import SlackEmulator, Workspace
from infra.slack_emulator.client import WorkspaceError
from infra.slack_emulator.rate_limits import ManualClock

from .conftest import BOT_TOKEN

PEOPLE, GROUPS = 20_000, 300


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def big(clock: ManualClock) -> Iterator[tuple[SlackEmulator, dict[str, Any]]]:
    """Built once for the module: 20,000 people (200 bots, 600 departed) and 300 groups."""
    with SlackEmulator(clock=clock) as emulator:
        census = Workspace(emulator.url).populate(PEOPLE, usergroups=GROUPS)
        yield emulator, census


@pytest.fixture
def slack(big: tuple[SlackEmulator, dict[str, Any]]) -> Iterator[WebClient]:
    emulator, _ = big
    yield WebClient(token=BOT_TOKEN, base_url=emulator.api_url)
    Workspace(emulator.url).rate_limits(False)


def every_member(slack: WebClient, limit: int = 200) -> tuple[list[dict[str, Any]], int]:
    """users.list page by page, as Klaxon's directory reads it: the members and the number of calls."""
    members: list[dict[str, Any]] = []
    cursor, calls = None, 0
    while True:
        page = slack.users_list(limit=limit, cursor=cursor)
        calls += 1
        members += page["members"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return members, calls


def test_the_census_counts_what_was_asked_for(big: tuple[SlackEmulator, dict[str, Any]]) -> None:
    _, census = big
    assert (census["people"], census["bots"], census["deleted"], census["usergroups"]) == (PEOPLE, 200, 600, GROUPS)
    assert census["active"] == PEOPLE - 200 - 600


def test_users_list_pages_of_200_take_101_calls_and_list_everyone_once(slack: WebClient) -> None:
    members, calls = every_member(slack)

    ids = [member["id"] for member in members]
    assert len(ids) == len(set(ids)) == PEOPLE + 2  # everyone once, with Slackbot and Klaxon's own bot user
    assert calls == 101  # what the issue measured for a cold directory
    assert sum(member["deleted"] for member in members) == 600
    assert sum(member["is_bot"] for member in members) == 200 + 1  # the integrations and Klaxon


def test_users_list_without_a_limit_is_refused_in_a_big_workspace(slack: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        slack.users_list()

    assert refused.value.response["error"] == "limit_required"


def test_users_list_pages_at_most_1000_at_a_time(slack: WebClient) -> None:
    page = slack.users_list(limit=5000)

    assert len(page["members"]) == 1000
    assert page["response_metadata"]["next_cursor"]


def test_people_look_like_a_real_international_team(slack: WebClient) -> None:
    people = [m for m in every_member(slack, limit=1000)[0] if not m["is_bot"] and m["id"] != "USLACKBOT"]

    usernames = [person["name"] for person in people]
    assert len(set(usernames)) == len(usernames)  # usernames are unique, as Slack keeps them
    assert all(name.isascii() and "." in name for name in usernames)
    zones = Counter(person["tz"] for person in people)
    assert {"America/New_York", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata"} <= set(zones)
    assert not any(person["real_name"].isascii() for person in people if person["tz"] == "Asia/Tokyo")
    display_names = Counter(person["profile"]["display_name"] for person in people)
    assert max(count for name, count in display_names.items() if name) > 1  # first names clash
    assert display_names[""] > 0  # and some people never set one


def test_user_groups_hold_active_people_from_a_handful_to_hundreds(slack: WebClient) -> None:
    groups = slack.usergroups_list(include_users=True)["usergroups"]
    active = {m["id"] for m in every_member(slack, limit=1000)[0] if not m["deleted"] and not m["is_bot"]}

    assert len(groups) == GROUPS
    assert len({group["handle"] for group in groups}) == GROUPS
    assert all(set(group["users"]) <= active for group in groups)
    sizes = sorted(group["user_count"] for group in groups)
    assert sizes[0] >= 1 and sizes[-1] >= 100


def test_paging_the_big_directory_at_tier_2_takes_minutes_on_the_emulators_clock(
        big: tuple[SlackEmulator, dict[str, Any]], clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Slack's limits are on and the client waits out every 429 on the emulator's clock
    emulator, _ = big
    Workspace(emulator.url).rate_limits(True)
    slack = WebClient(token=BOT_TOKEN, base_url=emulator.api_url,
                      retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", clock.advance)
    started = clock()

    # When the directory is read whole
    members, calls = every_member(slack)

    # Then 20 pages come at once and the other 81 at Tier 2's pace, one every 3 s
    assert len(members) == PEOPLE + 2 and calls == 101
    assert clock() - started >= (101 - 20) * 3
    statuses = Counter(call.status for call in Workspace(emulator.url).calls("users.list"))
    assert statuses[429] == 101 - 20


def test_the_same_seed_builds_the_same_workspace_and_bad_numbers_are_refused() -> None:
    def build(seed: int) -> list[tuple[str, str, str]]:
        with SlackEmulator() as emulator:
            Workspace(emulator.url).populate(300, usergroups=5, bots=3, deleted=10, seed=seed)
            members = WebClient(token=BOT_TOKEN, base_url=emulator.api_url).users_list(limit=1000)["members"]
            return [(m["name"], m["real_name"], m["tz"]) for m in members]

    assert build(seed=7) == build(seed=7) != build(seed=8)
    with SlackEmulator() as emulator, pytest.raises(WorkspaceError) as refused:
        Workspace(emulator.url).populate(100, bots=60, deleted=60)
    assert refused.value.status == 400 and "cannot hold" in str(refused.value)
