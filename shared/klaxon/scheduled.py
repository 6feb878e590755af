"""The sweep function's entry: wire the container's store and Slack client to one sweep."""

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
    rt = runtime()
    report = sweep(SweepContext(store=rt.store, slack=rt.sweep_slack, directory=rt.sweep_directory,
                                config=rt.configuration(), now=rt.clock.now(),
                                time_left_ms=context.get_remaining_time_in_millis))
    logger.info("sweep done", extra={"scheduled_at": event.get("time"), **asdict(report)})
    for name, count in report.done.items():
        metrics.add_metric(name=f"Sweep{name.title()}", unit=MetricUnit.Count, value=count)
    return asdict(report)
