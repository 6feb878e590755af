"""The directory snapshot and the people Klaxon remembers, held by the in-memory fake and DynamoDB (moto)
alike: a refresh begun once, pages staged once each (an overlapping sweep stages nothing), published into
the names lookups read, a later refresh replacing them; a person's direct-message channel kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klaxon.directory.model import Listing, ListingKind, Phase, Refresh
from klaxon.directory.refresh import refresh_directory
from klaxon.ports import Person
from tests.fakes import FakeWorkspaceSlack, InMemoryStore
from tests.integration.conftest import at_once

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ANN = Listing(ListingKind.PERSON, "U0ANN", ("ann", "Ann Lee"), tz="Asia/Tokyo")
BOT = Listing(ListingKind.PERSON, "U0DDOG", ("datadog",), bot_id="B0DDOG")


@pytest.fixture(params=["memory", "dynamo"])
def store(request):
    return InMemoryStore() if request.param == "memory" else request.getfixturevalue("dynamo_store")


def test_a_refresh_begins_once_and_each_page_is_staged_once(store):
    refresh = Refresh(generation="1", started_at=T0)
    assert store.directory.begin(None, refresh) is True
    assert store.directory.begin(None, Refresh(generation="2", started_at=T0)) is False, "another began it"
    moved = refresh.after_page("next")
    assert store.directory.stage(refresh, moved, [ANN]) is True
    assert store.directory.stage(refresh, moved, [ANN]) is False, "an overlapping sweep's page is refused"
    assert store.directory.progress() == moved and moved.cursor == "next"


def test_a_published_refresh_is_what_names_are_looked_up_in(store):
    refresh = Refresh(generation="1", started_at=T0)
    store.directory.begin(None, refresh)
    people = refresh.after_page(None)
    done = people.after_page(None).after_page(None)
    store.directory.stage(refresh, people, [ANN, BOT])
    store.directory.stage(people, people.after_page(None), [Listing(ListingKind.CHANNEL, "C0OPS", ("ops",))])
    store.directory.stage(people.after_page(None), done, [Listing(ListingKind.GROUP, "S0OPS", ("ops",))])
    assert done.phase is Phase.DONE

    snapshot = store.directory.publish(done, T0)

    assert store.directory.current() == snapshot and (snapshot.people_pages, snapshot.names) == (1, 5)
    assert store.directory.find(snapshot, "@Ann Lee") == ANN and store.directory.find(snapshot, "@datadog") == BOT
    assert store.directory.find(snapshot, "#ops").id == "C0OPS" and store.directory.find(snapshot, "@ops").id == "S0OPS"
    assert store.directory.find(snapshot, "@nobody") is None


def test_a_later_refresh_replaces_the_names_a_rename_and_a_departure_included(store):
    slack = FakeWorkspaceSlack(people=[Person("U0ANN", "ann"), Person("U0BOB", "bob")])
    assert refresh_directory(store.directory, slack, T0).published
    slack.people = [Person("U0ANN", "ann.lee")]
    assert refresh_directory(store.directory, slack, T0 + timedelta(minutes=10)).published

    snapshot = store.directory.current()
    assert store.directory.find(snapshot, "@ann.lee").id == "U0ANN"
    assert store.directory.find(snapshot, "@ann") is None and store.directory.find(snapshot, "@bob") is None


def test_overlapping_sweeps_refresh_the_directory_once(racing_store):
    slack = FakeWorkspaceSlack(people=[Person(f"U{n:08d}", f"p{n}") for n in range(2_500)])
    done = at_once(lambda _: refresh_directory(racing_store.directory, slack, T0), [1, 2])
    assert sum(1 for d in done if d.published) == 1
    assert racing_store.directory.current().names == 2_500
    assert slack.calls.count("users.list") <= 3 + 1, "at most one page asked twice, and not staged twice"


def test_a_persons_direct_message_channel_is_remembered(store):
    assert store.people.dm_channel("U0ANN") is None
    store.people.remember_dm_channel("U0ANN", "D0ANN")
    assert store.people.dm_channel("U0ANN") == "D0ANN"
