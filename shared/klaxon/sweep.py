"""The scheduled sweep: every minute, do the work that has come due (SPEC §2, §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from klaxon.bootstrap import Runtime, runtime


@dataclass
class SweepReport:
    """What one sweep did, returned by the function and logged."""

    started_at: str
    done: dict[str, int] = field(default_factory=dict)


def run(rt: Runtime | None = None) -> SweepReport:
    """One sweep. Each kind of due work is read through the `due` index only."""
    rt = rt or runtime()
    return SweepReport(started_at=rt.clock.now().isoformat())


def handle_scheduled_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = run()
    return {"started_at": report.started_at, "done": report.done}
