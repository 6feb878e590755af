"""A workspace on the in-memory fakes, driven as the functions drive Klaxon: /klaxon commands, channel messages,
webhook requests and sweeps, each with Services wired by klaxon.bootstrap on the same store, Slack and clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from klaxon.alerts.external import ExternalEvent, ExternalStatus
from klaxon.alerts.intake import Taken, take_message
from klaxon.alerts.judging import Identity
from klaxon.alerts.messages import ChannelMessage, slack_ts
from klaxon.alerts.model import Alert
from klaxon.commands.service import Invocation, run_command
from klaxon.configuration.model import Configuration
from klaxon.events import Event
from klaxon.metrics import Measurement
from klaxon.monitoring.webhooks import take_webhook
from klaxon.ports import Person
from klaxon.services import Services
from klaxon.slack.renderers.commands import Reply, reply
from klaxon.sweep import SweepContext, SweepReport, sweep
from tests.fakes import FakeClock, FakeDirectory, FakeSlack, InMemoryStore, wired

ADMIN, GUEST = "U0ADMIN", "U0GUEST"
ALERTS, INCIDENTS, MONITORING, PAYMENTS, HOSTS = "C0ALERTS", "C0INCIDENT", "C0MONITOR", "C0PAYMENTS", "C0HOSTS"
ME = Identity("U0KLAXON", "B0KLAXON", INCIDENTS)
T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
DIRECTORY = FakeDirectory(channel_names={"incidents": INCIDENTS, "alerts": ALERTS, "monitoring": MONITORING,
                                         "payments": PAYMENTS, "hosts": HOSTS},
                          persons={"bob": Person("U0BOB", "bob"), "admin": Person(ADMIN, "admin")},
                          group_handles={"leads": "S0LEADS"}, members={"S0LEADS": frozenset({"U0BOB"})})


class Desk:
    """The store, Slack and a clock the test moves; the configuration is what /klaxon commands made of it."""

    def __init__(self, config: Configuration | None = None) -> None:
        self.store, self.slack, self.clock = InMemoryStore(), FakeSlack(), FakeClock(T0)
        if config is not None:
            self.store.configuration.snapshot = config
        self.published: list[Event] = []
        self.metrics: list[Measurement] = []  # what the work counted, in order
        self.said = 0

    def work(self) -> Services:
        return wired(self.store, self.slack, self.clock, self.store.configuration.snapshot, directory=DIRECTORY,
                     incidents_channel=INCIDENTS, admins=frozenset({ADMIN}), metrics=self.metrics)

    def klaxon(self, text: str, actor: str = ADMIN) -> Reply:
        """`/klaxon <text>`, answered as Slack shows it to whoever typed it."""
        return reply(run_command(Invocation(text, actor, INCIDENTS), self.work().console(ME)))

    def refused(self, text: str, problem: str) -> Reply:
        """`/klaxon <text>` by an admin, which must be refused naming `problem`."""
        answer = self.klaxon(text)
        assert not answer.ok and problem in answer.text, answer.text
        return answer

    def message(self, text: str = "disk full on db-7", poster: str = "B0DATADOG") -> Alert | None:
        """A monitoring bot posts in #alerts now; the alert it raised, if any."""
        self.said += 1
        said = ChannelMessage(ALERTS, slack_ts(self.clock.now() + timedelta(microseconds=self.said)), poster, text)
        take_message(said, self.work().intake(ME))
        return self.store.alerts.find_by_message(ALERTS, said.ts)

    def webhook(self, *events: ExternalEvent) -> list[Taken]:
        """A webhook request carrying `events`, as the webhooks function takes it (intake, then host board)."""
        return take_webhook(list(events), self.work().intake(ME), self.store.hosts)

    def event(self, source: str = "gcp", key: str = "incident-1", *, firing: bool = True, title: str = "uptime check",
              **fields: Any) -> ExternalEvent:
        """A source's event, happening now."""
        return ExternalEvent(source, key, ExternalStatus.FIRING if firing else ExternalStatus.RESOLVED, title,
                             occurred_at=self.clock.now(), **fields)

    def sweep(self) -> SweepReport:
        work = self.work()

        def publish(event: Event) -> None:
            self.published.append(event)
            work.publish(event)

        return sweep(SweepContext(store=self.store, slack=self.slack, directory=DIRECTORY,
                                  config=self.store.configuration.snapshot, now=self.clock.now(), publish=publish))
