"""What one unit of work - a Slack delivery, a webhook request, a sweep - works with.

klaxon.bootstrap builds it (real adapters in the functions, fakes in unit tests) with the message bus
whose subscribers are wired there; listeners and routes get a Services, never the Runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

from klaxon.alerts.intake import Intake
from klaxon.alerts.judging import Identity
from klaxon.clock import Clock
from klaxon.commands.editing import Console
from klaxon.commands.model import Change
from klaxon.configuration.model import CachedConfiguration, Configuration, ConfigurationCache
from klaxon.doctor.checkup import Deployment
from klaxon.doctor.ports import Installation
from klaxon.events import Publish
from klaxon.incidents.desk import IncidentDesk
from klaxon.incidents.ports import DocLinks, IncidentSlack
from klaxon.paging.service import Pager
from klaxon.ports import MessageReader, SlackDirectory, SlackGateway, Store
from klaxon.silences.model import Silencer


@dataclass(frozen=True)
class Services:
    """The ports, the configuration (read when asked: one small revalidating read) and the bus's publish."""

    store: Store
    slack: SlackGateway
    directory: SlackDirectory
    clock: Clock
    configuration: Callable[[], Configuration]
    publish: Publish
    describe_change: Callable[[Change], str]  # words a configuration change for the audit trail
    incident_slack: IncidentSlack
    doc_links: DocLinks
    incidents_channel: str | None = None
    admin_users: frozenset[str] = frozenset()
    admin_group: str | None = None
    messages: MessageReader | None = None  # reads a message by its link (`rule test <link>`)
    installation: Installation | None = None  # what Slack says of the installation (`doctor`)
    deployment: Callable[[], Deployment] | None = None  # what the stack was deployed with (`doctor`)
    # The container's cache behind `configuration`: commands read through it too (None: straight from the store).
    configuration_cache: ConfigurationCache | None = None

    def identity(self, bot_user_id: str | None = None, bot_id: str | None = None) -> Identity:
        """Who Klaxon is (Slack tells the listeners), and where alerts go when no rule names a channel."""
        return Identity(bot_user_id, bot_id, self.incidents_channel)

    def intake(self, me: Identity, time_left_ms: Callable[[], int] | None = None) -> Intake:
        """The alert intake, with the configuration as it is now and the silences as they are when an alert is
        first judged; `time_left_ms` is the function's remaining time (Lambda's context), when it bounds the work."""
        intake = Intake(store=self.store, slack=self.slack, config=self.current_configuration, me=me,
                        silences=Silencer(self.store.silences.all), publish=self.publish, now=self.clock.now())
        return replace(intake, time_left_ms=time_left_ms) if time_left_ms else intake

    def pager(self) -> Pager:
        return Pager(store=self.store, slack=self.slack, directory=self.directory, now=self.clock.now(),
                     publish=self.publish)

    def desk(self, delivery: str | None = None) -> IncidentDesk:
        """What incident work uses; `delivery` (the Slack event or trigger id) makes its changes happen once."""
        return IncidentDesk(incidents=self.store.incidents, claims=self.store.claims, slack=self.incident_slack,
                            links=self.doc_links, directory=self.directory, config=self.current_configuration,
                            clock=self.clock, publish=self.publish, pager=self.pager,
                            incidents_channel=self.incidents_channel, delivery=delivery)

    @cached_property
    def current_configuration(self) -> Configuration:
        """The configuration read once for this unit of work: the intake, keyword replies and a change's
        subscribers share one revalidating read."""
        return self.configuration()

    def console(self, me: Identity) -> Console:
        """What /klaxon commands work with, as seen by the bot `me`."""
        configuration = self.store.configuration
        if self.configuration_cache is not None:
            configuration = CachedConfiguration(configuration, self.configuration_cache)
        return Console(configuration=configuration, alerts=self.store.alerts, silences=self.store.silences,
                       hosts=self.store.hosts, directory=self.directory,
                       clock=self.clock, me=me, admin_users=self.admin_users, admin_group=self.admin_group,
                       messages=self.messages, describe=self.describe_change, installation=self.installation,
                       deployment=self.deployment, digests=self.store.digests)
