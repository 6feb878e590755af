"""The message bus and the one table of subscribers: every event reaches its subscribers, in order, and a
subscriber's failure is retried, then raised - never swallowed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from klaxon import bootstrap, events
from klaxon.events import Event
from klaxon.incidents import events as incident_events
from klaxon.messagebus import MessageBus, SubscriberFailed, Subscribers
from klaxon.metrics import Measurement, Metric, Unit
from tests.fakes import DOC_LINKS, FakeClock, FakeDirectory, FakeIncidentSlack, FakeSlack, InMemoryStore


@dataclass(frozen=True)
class Rang(Event):
    times: int


@dataclass(frozen=True)
class Answered(Event):
    by: str


def bus(table: Subscribers) -> MessageBus:
    return MessageBus(table, pause=lambda seconds: None)


def test_every_subscriber_hears_the_event_in_the_order_listed():
    heard = []
    table = Subscribers().on(Rang, lambda e: heard.append(("first", e.times)), lambda e: heard.append(("second",)))
    bus(table).publish(Rang(2))
    assert heard == [("first", 2), ("second",)]


def test_events_a_subscriber_publishes_are_handled_after_the_current_one():
    heard = []
    table = Subscribers()
    messages = bus(table)
    table.on(Rang, lambda e: messages.publish(Answered("alice")), lambda e: heard.append("rang"))
    table.on(Answered, lambda e: heard.append(f"answered by {e.by}"))

    messages.publish(Rang(1))

    assert heard == ["rang", "answered by alice"]


def test_a_failing_subscriber_is_retried_in_place():
    attempts = []

    def flaky(event: Rang) -> None:
        attempts.append(event)
        if len(attempts) < 3:
            raise ConnectionError("slack is busy")

    bus(Subscribers().on(Rang, flaky)).publish(Rang(1))
    assert len(attempts) == 3


def test_a_subscriber_that_keeps_failing_is_raised_once_the_others_have_run():
    heard = []

    def broken(event: Rang) -> None:
        raise ConnectionError("slack is down")

    table = Subscribers().on(Rang, broken, lambda e: heard.append("after"))
    table.on(Answered, lambda e: heard.append("answered"))
    messages = bus(table)
    table.on(Rang, lambda e: messages.publish(Answered("bob")))

    with pytest.raises(SubscriberFailed, match="slack is down") as failed:
        messages.publish(Rang(1))

    assert heard == ["after", "answered"] and isinstance(failed.value.__cause__, ConnectionError)


def test_an_event_nobody_wired_is_a_wiring_slip_not_silence():
    with pytest.raises(KeyError):
        bus(Subscribers()).publish(Rang(1))


def test_the_bootstraps_table_lists_every_domain_event():
    every = {kind for module in (events, incident_events) for kind in vars(module).values()
             if isinstance(kind, type) and issubclass(kind, Event) and kind is not Event}
    table = Subscribers()
    work = bootstrap.services(store=InMemoryStore(), slack=FakeSlack(), directory=FakeDirectory(), clock=FakeClock(),
                              configuration=lambda: None, count=lambda measurement: None,  # type: ignore[arg-type,return-value]
                              incident_slack=FakeIncidentSlack(), doc_links=DOC_LINKS)
    bootstrap.subscribe(table, work, count=lambda measurement: None)
    assert table.kinds == every


def test_acknowledging_an_alert_is_counted_with_the_time_the_first_acknowledgement_took():
    from klaxon.alerts.model import BUTTON, Alert, HandledMark, SlackMessageOrigin

    counted = []
    table = bootstrap.subscribe(Subscribers(), bootstrap.services(
        store=InMemoryStore(), slack=FakeSlack(), directory=FakeDirectory(), clock=FakeClock(),
        configuration=lambda: None, count=lambda measurement: None, incident_slack=FakeIncidentSlack(),  # type: ignore[arg-type,return-value]
        doc_links=DOC_LINKS), count=counted.append)
    raised = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    alert = Alert(id="C0A/1.0", origin=SlackMessageOrigin("C0A", "1.0", "B0BOT"), text="disk full", label="",
                  target_channel="C0INC", fingerprint="f", first_seen=raised)

    alice = HandledMark("U0ALICE", BUTTON, raised.replace(minute=4))
    bob = HandledMark("U0BOB", BUTTON, raised.replace(minute=9))
    bus(table).publish(events.AlertAcknowledged(replace(alert, marks=(alice,)), by="U0ALICE", at=alice.at))
    bus(table).publish(events.AlertAcknowledged(replace(alert, marks=(alice, bob)), by="U0BOB", at=bob.at))

    assert counted.count(Measurement(Metric.ACKNOWLEDGEMENTS)) == 2
    assert [m for m in counted if m.metric is Metric.TIME_TO_ACKNOWLEDGE] == [
        Measurement(Metric.TIME_TO_ACKNOWLEDGE, 240.0, Unit.SECONDS)]
