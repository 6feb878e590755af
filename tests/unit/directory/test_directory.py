"""The workspace directory on in-memory fakes: typed names from the snapshot the sweep keeps (refreshed a
few Slack list pages a sweep, resumed by cursor), ids from Slack at one call each, unknown names answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.alerts.judging import Identity
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.directory.lookup import WorkspaceDirectory
from klaxon.directory.model import Listing, ListingKind, Person, Phase, index
from klaxon.directory.refresh import REFRESH_EVERY, refresh_directory
from klaxon.slack.renderers.commands import reply
from tests.fakes import FakeClock, FakeSlack, FakeWorkspaceSlack, InMemoryDirectorySnapshots, InMemoryStore, wired

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
ADMIN = "U0ADMIN"


def crowd(count: int) -> list[Person]:
    return [Person(f"U{n:08d}", f"person-{n}") for n in range(count)]


@pytest.fixture
def snapshots() -> InMemoryDirectorySnapshots:
    return InMemoryDirectorySnapshots()


def big_workspace(people: list[Person] | None = None, busy_after: int | None = None) -> FakeWorkspaceSlack:
    """2,500 people unless told (three users.list pages of 1,000), two channels and a user group."""
    return FakeWorkspaceSlack(people=[*crowd(2_499), Person("U0DDOG", "datadog", bot_id="B0DDOG")]
                              if people is None else people, busy_after=busy_after,
                              channels={"incidents": "C0INCIDENT", "alerts-prod": "C0ALERTS"},
                              group_handles={"ops-leads": "S0LEADS"})


def refreshed(snapshots: InMemoryDirectorySnapshots, slack: FakeWorkspaceSlack, now: datetime = T0) -> None:
    """Sweeps until the refresh under way is published."""
    for minute in range(20):
        if refresh_directory(snapshots, slack, now + timedelta(minutes=minute)).published:
            return
    raise AssertionError("the refresh never finished")


# The refresh: a few pages a sweep, resumed from the cursor


def test_a_refresh_spends_at_most_its_budget_a_sweep_and_resumes_from_the_cursor(snapshots):
    slack = big_workspace()

    first = refresh_directory(snapshots, slack, T0, budget=2)
    assert (first.calls, first.staged, first.published) == (2, 2, False)
    assert snapshots.current() is None, "nothing to read until every page is in"
    assert (snapshots.progress().phase, snapshots.progress().cursor) == (Phase.PEOPLE, "2000")

    second = refresh_directory(snapshots, slack, T0 + timedelta(minutes=1), budget=2)
    third = refresh_directory(snapshots, slack, T0 + timedelta(minutes=2), budget=2)

    assert (second.calls, third.calls, third.published) == (2, 1, True)
    assert slack.calls == ["users.list"] * 3 + ["conversations.list", "usergroups.list"]
    snapshot = snapshots.current()
    assert (snapshot.people_pages, snapshot.small) == (3, False)
    assert snapshots.names["@person-2498"].id == "U00002498" and snapshots.names["#incidents"].id == "C0INCIDENT"


def test_a_rate_limited_page_pauses_the_refresh_and_the_next_sweep_carries_on_where_it_stopped(snapshots):
    slack = big_workspace(busy_after=1)
    paused = refresh_directory(snapshots, slack, T0)
    assert (paused.calls, paused.staged) == (2, 1), "the page refused is not staged"
    assert snapshots.progress().cursor == "1000"

    slack.busy_after = None
    refreshed(snapshots, slack, T0 + timedelta(minutes=1))
    assert snapshots.current().names == 2_500 + 2 + 1
    assert len(snapshots.staged[snapshots.current().generation]) == 2_500 + 2 + 1, "no page lost or staged twice"


def test_an_overlapping_sweep_stages_nothing_once_the_other_has_moved_the_refresh_on(snapshots):
    slack = big_workspace()
    refresh_directory(snapshots, slack, T0, budget=1)
    seen = snapshots.progress()
    refresh_directory(snapshots, slack, T0, budget=1)  # the other sweep moves it on
    assert not snapshots.stage(seen, seen.after_page("1000"), ()), "its page was staged already"


def test_a_new_refresh_starts_only_once_the_last_is_old_enough(snapshots):
    slack = big_workspace(people=crowd(10))
    refreshed(snapshots, slack)
    calls = len(slack.calls)

    assert refresh_directory(snapshots, slack, T0 + REFRESH_EVERY - timedelta(seconds=1)).calls == 0
    assert len(slack.calls) == calls


def test_a_rename_and_a_newcomer_are_picked_up_by_the_next_refresh(snapshots):
    slack = big_workspace(people=[Person("U0ANN", "ann"), Person("U0BOB", "bob")])
    refreshed(snapshots, slack)
    slack.people = [Person("U0ANN", "ann.lee"), Person("U0BOB", "bob"), Person("U0CY", "cy")]

    refreshed(snapshots, slack, T0 + REFRESH_EVERY)

    assert snapshots.names["@ann.lee"].id == "U0ANN" and snapshots.names["@cy"].id == "U0CY"
    assert "@ann" not in snapshots.names, "the old name is gone"


def test_clashing_names_go_to_a_username_before_a_display_name_and_to_a_person_before_a_group():
    names = index([Listing(ListingKind.PERSON, "U0A", ("ann", "ops")), Listing(ListingKind.PERSON, "U0B", ("ops",)),
                   Listing(ListingKind.GROUP, "S0OPS", ("ops",)), Listing(ListingKind.CHANNEL, "C0OPS", ("ops",))])
    assert names["@ops"].id == "U0B" and names["#ops"].id == "C0OPS" and names["@ann"].id == "U0A"


# Lookups: typed names from the snapshot, resolved ids one call each


def test_typed_names_in_a_big_workspace_cost_no_slack_call(snapshots):
    slack = big_workspace()
    refreshed(snapshots, slack)
    slack.calls.clear()
    directory = WorkspaceDirectory(slack, snapshots)

    assert directory.person_named("person-1234").id == "U00001234"
    assert directory.person_named("datadog").bot_id == "B0DDOG"
    assert directory.channel_named("alerts-prod") == "C0ALERTS"
    assert directory.group_named("ops-leads") == "S0LEADS"
    assert directory.person_named("nobody") is None and not directory.knows_everyone()
    assert slack.calls == [], "no users.list inside a command"


def test_an_id_slack_resolved_costs_one_call_whatever_the_workspaces_size(snapshots):
    slack = big_workspace()
    directory = WorkspaceDirectory(slack, snapshots)
    assert directory.person("U00002000").name == "person-2000" and slack.calls == ["users.info"]


def test_in_a_workspace_one_page_holds_a_name_the_snapshot_lacks_costs_one_list_call(snapshots):
    slack = big_workspace(people=[Person("U0ANN", "ann")])
    refreshed(snapshots, slack)
    slack.people.append(Person("U0NEW", "newcomer"))  # joined after the refresh
    slack.calls.clear()
    directory = WorkspaceDirectory(slack, snapshots)

    assert directory.person_named("newcomer").id == "U0NEW" and slack.calls == ["users.list"]
    assert directory.person_named("nobody") is None and directory.knows_everyone()


def test_before_the_first_refresh_a_big_workspace_is_asked_one_page_at_most(snapshots):
    slack = big_workspace()
    directory = WorkspaceDirectory(slack, snapshots)
    assert directory.person_named("person-5") is not None
    assert directory.person_named("person-2400") is None and not directory.knows_everyone()
    assert slack.calls == ["users.list", "users.list"], "one page each time, never the next"


# The answer to a name the snapshot does not know yet


def console_on(directory: WorkspaceDirectory, store: InMemoryStore) -> Console:
    """/klaxon's console as the Slack function wires it, on this directory."""
    return wired(store, FakeSlack(), FakeClock(T0), directory=directory,
                 admins=frozenset({ADMIN})).console(Identity("U0KLAXON", "B0K", None))


@pytest.mark.parametrize(("text", "named"), [
    ("rule add disk to #incidents from @newbie", "nobody called @newbie posts in this workspace"),
    ("rule add disk to #incidents hotline @newbie", "there is no person or user group @newbie"),
    ("policy set db level @newbie", "there is no person or user group @newbie"),
    ("rule add disk to #new-channel", "there is no channel #new-channel Klaxon can see"),
])
def test_a_name_the_snapshot_lacks_yet_is_answered_with_how_to_pick_it_and_nothing_is_written(
        snapshots, text, named):
    slack = big_workspace()
    refreshed(snapshots, slack)
    store = InMemoryStore()
    slack.calls.clear()

    answer = reply(run_command(Invocation(text=text, actor=ADMIN, channel="C0ALERTS"),
                               console_on(WorkspaceDirectory(slack, snapshots), store)))

    assert not answer.ok and named in answer.text
    assert "copy of the directory is from 2026-11-24" in answer.text, answer.text
    assert "pick" in answer.text and "from Slack's list" in answer.text
    kept = store.configuration
    assert kept.snapshot.rules == () and kept.snapshot.policies == {} and kept.entries == []
    assert "users.list" not in slack.calls


def test_typed_names_the_snapshot_knows_make_the_change(snapshots):
    slack = big_workspace()
    refreshed(snapshots, slack)
    store = InMemoryStore()
    slack.calls.clear()
    console = console_on(WorkspaceDirectory(slack, snapshots), store)

    answer = reply(run_command(Invocation(text="rule add disk to #incidents from @datadog hotline @ops-leads",
                                          actor=ADMIN, channel="C0ALERTS"), console))

    assert answer.ok, answer.text
    (rule,) = store.configuration.snapshot.rules
    assert (rule.target_channel, rule.posters, rule.hotline) == ("C0INCIDENT", frozenset({"U0DDOG", "B0DDOG"}),
                                                                 ("S0LEADS",))
    assert slack.calls == [], slack.calls
