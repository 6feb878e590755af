"""The sweep function's entry: one sweep with the container's services (its own, briefly waiting Slack client)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from klaxon.bootstrap import runtime
from klaxon.sweep import SweepContext, sweep

logger = Logger(child=True)
metrics = Metrics()


def handle_scheduled_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one sweep for an EventBridge scheduled event; report what it did."""
    container = runtime()
    work = container.services(for_sweep=True)
    report = sweep(SweepContext(store=work.store, slack=work.slack, directory=work.directory,
                                config=work.current_configuration, now=work.clock.now(), publish=work.publish,
                                time_left_ms=context.get_remaining_time_in_millis, incidents=work.desk(),
                                workspace=container.sweep_directory))
    logger.info("sweep done", extra={"scheduled_at": event.get("time"), **asdict(report)})
    for name, count in report.done.items():
        metrics.add_metric(name=f"Sweep{name.title()}", unit=MetricUnit.Count, value=count)
    return asdict(report)
