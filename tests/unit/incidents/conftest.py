"""Incident work on the in-memory fakes: a hand-moved clock, a workspace with a default policy paging Pat."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from klaxon.configuration.model import Configuration, Preferences
from klaxon.incidents.declaring import Declaration, declare
from klaxon.incidents.desk import IncidentDesk
from klaxon.incidents.model import Incident, Severity
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.services import Services
from tests.fakes import FakeClock, FakeDirectory, FakeIncidentSlack, FakeSlack, InMemoryStore, wired

INCIDENTS = "C0INCIDENTS"
OPS = "C0OPS"
PAGED = "U0PAT"
POLICY = EscalationPolicy("oncall", (Level((PAGED,), 60),))
CONFIG = replace(Configuration(), policies={"oncall": POLICY}, default_policy="oncall")
DIRECTORY = FakeDirectory()

type Work = Callable[..., Services]


@pytest.fixture
def islack() -> FakeIncidentSlack:
    return FakeIncidentSlack()


@pytest.fixture
def work(store: InMemoryStore, slack: FakeSlack, clock: FakeClock, islack: FakeIncidentSlack) -> Work:
    """Services for one unit of work, wired as the functions wire them (the real subscribers)."""

    def build(config: Configuration = CONFIG, incidents_channel: str | None = INCIDENTS,
              directory: FakeDirectory = DIRECTORY) -> Services:
        return wired(store, slack, clock, config, incidents_channel=incidents_channel, incident_slack=islack,
                     directory=directory)

    return build


@pytest.fixture
def desk(work: Work) -> Callable[..., IncidentDesk]:
    """A desk for one Slack delivery (its id keys what it changes)."""
    deliveries = iter(range(1, 10_000))

    def build(delivery: str | None = None, **options: object) -> IncidentDesk:
        return work(**options).desk(delivery or f"Ev{next(deliveries)}")

    return build


def declared(desk: Callable[..., IncidentDesk], severity: Severity | None = Severity.MINOR, *, form: str = "V1",
             lead: str | None = "U0LEAD", private: bool = False, summary: str = "checkout is down",
             config: Configuration = CONFIG) -> Incident:
    """An incident declared in #ops by U0REPORTER through a form."""
    incident = declare(Declaration(summary=summary, reporter="U0REPORTER", form=form, severity=severity, lead=lead,
                                   private=private, channel=OPS), desk(config=config)).incident
    assert incident is not None
    return incident


def preferences(**changes: object) -> Configuration:
    return replace(CONFIG, preferences=replace(Preferences(), **changes))
