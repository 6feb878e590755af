"""The sweep function's entry: one sweep with the container's services (its own, briefly waiting Slack client)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger

from klaxon.bootstrap import cloudwatch_count, runtime
from klaxon.metrics import STEP, Measurement, Metric
from klaxon.sweep import SweepContext, sweep

logger = Logger(child=True)


def handle_scheduled_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one sweep for an EventBridge scheduled event; report what it did (logged, and as SweepWork by Step)."""
    container = runtime()
    work = container.services(for_sweep=True)
    report = sweep(SweepContext(store=work.store, slack=work.slack, directory=work.directory,
                                config=work.current_configuration, now=work.clock.now(), publish=work.publish,
                                time_left_ms=context.get_remaining_time_in_millis, incidents=work.desk(),
                                workspace=container.sweep_directory))
    logger.info("sweep done", extra={"scheduled_at": event.get("time"), **asdict(report)})
    for step, done in report.done.items():
        cloudwatch_count(Measurement(Metric.SWEEP_WORK, done, dimensions={STEP: step}))
    return asdict(report)
