"""What one webhook request does with a source's events, whatever the source: the alert intake takes them
(klaxon.alerts.intake.take_external), then the host board learns what they say about hosts."""

from __future__ import annotations

from collections.abc import Sequence

from klaxon.alerts.external import ExternalEvent
from klaxon.alerts.intake import Intake, Taken, take_external
from klaxon.monitoring.hosts import HostRepository, host_changes


def take_webhook(events: Sequence[ExternalEvent], intake: Intake, hosts: HostRepository) -> list[Taken]:
    """Take a request's events into the intake, then record their hosts' changes; what became of each event."""
    taken = take_external(events, intake)
    hosts.record(host_changes(taken, intake.now))
    return taken
