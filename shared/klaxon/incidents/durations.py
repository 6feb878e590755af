"""Durations as an incident record shows them: `4m`, `1h 30m`, `2d 3h`."""

from __future__ import annotations

from datetime import timedelta


def spoken(span: timedelta | None) -> str:
    """A duration the way people say it, to the minute (seconds under a minute); `-` for None."""
    if span is None:
        return "-"
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    days, rest = divmod(seconds // 60, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return " ".join(part for part in parts if part)
