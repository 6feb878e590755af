"""The incident repository's contract, held by the in-memory fake the unit tests use and by DynamoDB (moto)
alike: a form declares once, an alert has one incident, a change commits only on the version it read and
only once per origin, the comms channel index, the due index and the sent record, pins by their marks,
keyword replies once - and racing changes on moto's server lose nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.configuration.model import Configuration
from klaxon.incidents.desk import Edited, IncidentDesk, Note, change
from klaxon.incidents.events import Via
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.ports import AlertTaken, AlreadyApplied, IncidentConflict
from klaxon.incidents.timeline import EntryKind, TimelineEntry, pin_key
from tests.fakes import DOC_LINKS, FakeClock, FakeDirectory, FakeIncidentSlack, InMemoryStore
from tests.integration.conftest import at_once

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamo"])
def store(request):
    return InMemoryStore() if request.param == "memory" else request.getfixturevalue("dynamo_store")


def incident(**fields: object) -> Incident:
    values: dict[str, object] = {"id": "20261129-ab12cd34", "summary": "checkout &amp; cart down",
                                 "severity": Severity.MAJOR, "reporter": "U0REP", "lead": None, "declared_at": T0}
    return Incident(**{**values, **fields})  # type: ignore[arg-type]


def entry(key: str, text: str = "x", kind: EntryKind = EntryKind.FIELD, **fields: object) -> TimelineEntry:
    return TimelineEntry(incident_id="20261129-ab12cd34", key=key, at=T0, kind=kind, by="U0REP", text=text,
                         **fields)  # type: ignore[arg-type]


def test_a_form_declares_once_and_reads_back_as_stored(store):
    rich = incident(roles={"comms": "U0COM"}, impact="EU", alert_ids=("C0A/1.0",), origin_channel="C0OPS")
    assert store.incidents.declare(rich, "form:V1", [entry("declared/0", kind=EntryKind.DECLARED)], T0) == (rich,
                                                                                                          True)
    assert store.incidents.declare(incident(id="other"), "form:V1", [], None) == (rich, False)
    assert store.incidents.get(rich.id) == rich and store.incidents.of_alert("C0A/1.0") == rich.id
    with pytest.raises(AlertTaken) as taken:
        store.incidents.declare(incident(id="20261129-00000002", alert_ids=("C0A/1.0",)), "form:V2", [], None)
    assert taken.value.incident_id == rich.id
    assert store.incidents.get("20261129-00000002") is None


def test_the_record_is_the_incident_and_its_whole_timeline_in_order_as_last_changed(store):
    stored, _ = store.incidents.declare(incident(), "form:V1", [entry("declared/0", kind=EntryKind.DECLARED)], None)
    pinned = entry(pin_key("C0COMMS", "1.5"), "the cause", kind=EntryKind.PIN, message=("C0COMMS", "1.5"))
    store.incidents.mark_pin(replace(pinned, at=T0 + timedelta(minutes=2)), "pin")
    led = store.incidents.save(stored, stored.with_lead("U0LEAD", T0), [
        replace(entry("Ev1/command/0", "lead <@U0LEAD>"), at=T0 + timedelta(minutes=1))], None)
    for consistent in (False, True):
        record = store.incidents.record(stored.id, consistent=consistent)
        assert record is not None and record.incident == led
        assert [(e.key, e.text, e.message) for e in record.timeline] == [
            ("declared/0", "x", None), ("Ev1/command/0", "lead <@U0LEAD>", None),
            (pin_key("C0COMMS", "1.5"), "the cause", ("C0COMMS", "1.5"))]
    assert store.incidents.record("20200101-00000000") is None


def test_incidents_are_listed_newest_first_from_when_they_were_declared(store):
    for day, incident_id in enumerate(("20261101-00000001", "20261115-00000002", "20261128-00000003")):
        declared = incident(id=incident_id, declared_at=T0 - timedelta(days=28 - 13 * day))
        stored, _ = store.incidents.declare(declared, f"form:V{day}", [], None)
        store.incidents.save(stored, stored.with_status(Status.RESOLVED, "U0REP", T0), [entry(f"Ev{day}/r/0")], None)
    since = store.incidents.declared_since(T0 - timedelta(days=15))
    assert [i.id for i in since] == ["20261128-00000003", "20261115-00000002"]
    assert all(i.status is Status.RESOLVED and i.version == 1 for i in since), "as last changed, not as declared"
    assert [i.id for i in store.incidents.declared_since(T0 - timedelta(days=30), limit=1)] == ["20261128-00000003"]


def test_a_change_commits_on_the_version_it_read_and_once_per_origin(store):
    stored, _ = store.incidents.declare(incident(), "form:V1", [], None)
    led = stored.with_lead("U0LEAD", T0).with_status(Status.IDENTIFIED, "U0LEAD", T0, "bad deploy")
    saved = store.incidents.save(stored, led, [entry("Ev1/command/0")], T0 + timedelta(minutes=30))
    assert saved.version == 1 and store.incidents.get(stored.id) == saved
    with pytest.raises(IncidentConflict):
        store.incidents.save(stored, stored.with_impact("late"), [entry("Ev2/command/0")], None)
    with pytest.raises(AlreadyApplied):
        store.incidents.save(saved, saved.with_impact("again"), [entry("Ev1/command/0")], None)
    assert store.incidents.get(stored.id) == saved and store.incidents.has_entry(stored.id, "Ev1/command/0")
    assert not store.incidents.has_entry(stored.id, "Ev2/command/0")


def test_a_comms_channel_is_indexed_when_a_change_gives_it_one(store):
    stored, _ = store.incidents.declare(incident(), "form:V1", [], None)
    assert store.incidents.in_channel("C0COMMS") is None
    store.incidents.save(stored, stored.with_comms_channel("C0COMMS"), [entry("Ev1/channel/0")], None)
    assert store.incidents.in_channel("C0COMMS") == stored.id


def test_the_due_index_and_the_reminders_sent_kept_beside_the_version(store):
    stored, _ = store.incidents.declare(incident(), "form:V1", [], T0 + timedelta(minutes=5))
    assert store.incidents.due(T0 + timedelta(minutes=4)) == []
    (due,) = store.incidents.due(T0 + timedelta(minutes=5))
    assert store.incidents.record_reminders(due, {f"no_lead@{T0.isoformat()}": 1}, T0 + timedelta(minutes=10))
    recorded = store.incidents.get(stored.id)
    assert recorded is not None and recorded.version == 0 and recorded.reminders == {f"no_lead@{T0.isoformat()}": 1}
    changed = store.incidents.save(recorded, recorded.with_impact("EU"), [entry("Ev1/command/0")], None)
    assert store.incidents.get(stored.id).reminders == recorded.reminders, "a change keeps what the sweep sent"
    assert not store.incidents.record_reminders(recorded, {}, None), "the sweep's stale copy is refused"
    assert store.incidents.due(T0 + timedelta(days=9)) == [] and changed.version == 1


def test_reminders_are_taken_only_when_due_to_the_microsecond_and_only_on_the_incident_as_read(store):
    due_at = T0 + timedelta(minutes=5, microseconds=250_000)
    stored, _ = store.incidents.declare(incident(), "form:V1", [], due_at)
    assert not store.incidents.take_reminders(stored, due_at - timedelta(microseconds=1)), "not due yet"
    assert store.incidents.take_reminders(stored, due_at)
    changed = store.incidents.save(stored, stored.with_impact("EU"), [entry("Ev1/command/0")], due_at)
    assert not store.incidents.take_reminders(stored, due_at + timedelta(minutes=1)), "a stale copy takes nothing"
    assert store.incidents.take_reminders(changed, due_at + timedelta(minutes=1))


def test_a_pin_entry_lives_while_it_has_marks(store):
    store.incidents.declare(incident(), "form:V1", [], None)
    key = pin_key("C0COMMS", "1.0")
    pinned = entry(key, "rolled back", EntryKind.PIN, message=("C0COMMS", "1.0"))
    store.incidents.mark_pin(pinned, "pin")
    store.incidents.mark_pin(replace(pinned, by="U0BOB", at=T0 + timedelta(minutes=1)), "pushpin:U0BOB")
    store.incidents.unmark_pin(pinned.incident_id, key, "pin")
    (kept,) = store.incidents.timeline(pinned.incident_id)
    assert (kept.key, kept.by, kept.at, kept.message) == (key, "U0REP", T0, ("C0COMMS", "1.0"))
    store.incidents.unmark_pin(pinned.incident_id, key, "pushpin:U0BOB")
    store.incidents.unmark_pin(pinned.incident_id, key, "pushpin:U0BOB")
    assert store.incidents.timeline(pinned.incident_id) == []


def test_a_keyword_reply_is_claimed_once_per_incident(store):
    store.incidents.declare(incident(), "form:V1", [], None)
    assert store.incidents.claim_keyword("20261129-ab12cd34", "k-000001") is True
    assert store.incidents.claim_keyword("20261129-ab12cd34", "k-000001") is False
    assert store.incidents.claim_keyword("20261129-ab12cd34", "k-000002") is True
    assert store.incidents.claim_keyword("nosuch", "k-000001") is False

    store.incidents.release_keyword("20261129-ab12cd34", "k-000001")  # its reply could not be posted
    assert store.incidents.claim_keyword("20261129-ab12cd34", "k-000001") is True, "claimable again"
    assert store.incidents.claim_keyword("20261129-ab12cd34", "k-000002") is False, "the other stays claimed"


def test_racing_commands_on_dynamodb_lose_no_change(racing_store):
    racing_store.incidents.declare(incident(), "form:V1", [], None)

    def add_action(n: int) -> Incident:
        desk = IncidentDesk(incidents=racing_store.incidents, claims=racing_store.claims, slack=FakeIncidentSlack(),
                            links=DOC_LINKS, directory=FakeDirectory(), config=Configuration(), clock=FakeClock(T0),
                            publish=lambda event: None, pager=lambda: None,  # type: ignore[arg-type,return-value]
                            delivery=f"Ev{n}")
        return change(desk, "20261129-ab12cd34", lambda i: Edited(i.with_action(f"follow-up {n}", None, "U0REP", T0)[0],
                                                                    (Note(EntryKind.ACTION, f"follow-up {n}"),)),
                      by="U0REP", via=Via.MENTION, step="command")

    at_once(add_action, list(range(6)))
    final = racing_store.incidents.get("20261129-ab12cd34")
    assert final is not None and final.version == 6
    assert sorted(action.text for action in final.actions) == [f"follow-up {n}" for n in range(6)]
    assert len(racing_store.incidents.timeline(final.id)) == 6


def test_a_form_submitted_twice_at_the_same_moment_declares_once_on_dynamodb(racing_store):
    found = at_once(lambda n: racing_store.incidents.declare(incident(id=f"20261129-0000000{n}"), "form:V1", [], None),
                    [1, 2, 3])
    (declared,) = {stored.id for stored, _ in found}
    assert sorted(new for _, new in found) == [False, False, True]
    assert racing_store.incidents.get(declared) is not None
