"""Shared pieces of the source parsers: the error they raise, and the conversions every source needs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from klaxon.alerts.external import Severity

MAX_TEXT_CHARS = 4000  # an event's text beyond this is cut: the repost shows a few lines, the link the rest
MAX_LABELS = 64
MAX_LABEL_CHARS = 256
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What sources call their severities, mapped onto Klaxon's four (SPEC §5). Alertmanager and Grafana
# carry it as a `severity` label by convention; GCP 1.2 as incident.severity (Critical, Error, Warning).
_SEVERITY_WORDS = {
    Severity.CRITICAL: {"critical", "crit", "page", "fatal", "emergency", "p1", "sev1", "disaster"},
    Severity.MAJOR: {"major", "error", "high", "p2", "sev2"},
    Severity.MINOR: {"minor", "warning", "warn", "medium", "p3", "sev3", "average"},
    Severity.INFO: {"info", "informational", "low", "none", "notice", "debug", "p4", "p5", "sev4", "ok"},
}


class PayloadError(ValueError):
    """The body is not what the source sends; the message names the first problem (no more than a line)."""


class SourceModel(BaseModel):
    """Base of the sources' payload models: unknown fields are ignored (sources add fields over time)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def validated[M: SourceModel](model: type[M], payload: Any, source: str) -> M:
    """`payload` as `model`, or PayloadError naming the first field that is wrong and why."""
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "the body"
        why = "expected a JSON object" if problem["type"] == "model_type" else problem["msg"]
        raise PayloadError(f"the body is not what {source} sends: {where}: {why}"[:300]) from None


def severity_named(word: object) -> Severity | None:
    """Klaxon's severity for a source's word for it (case-insensitive), or None when it names none."""
    if not isinstance(word, str):
        return None
    folded = word.strip().casefold()
    return next((severity for severity, words in _SEVERITY_WORDS.items() if folded in words), None)


def source_time(moment: datetime | int | float | None) -> datetime | None:
    """A source's time as an aware datetime; None for what sources send to mean "no time"
    (Alertmanager's `0001-01-01T00:00:00Z`, GCP's null or 0), and for epoch seconds past what a datetime
    holds (milliseconds sent as seconds): the time it arrives is used, as for an event without one."""
    if moment is None:
        return None
    if isinstance(moment, int | float):
        try:
            return datetime.fromtimestamp(moment, UTC) if moment > 0 else None
        except (OverflowError, OSError, ValueError):
            return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware if aware > _EPOCH else None


def bounded_labels(*sources: Mapping[str, Any] | None) -> dict[str, str]:
    """Labels merged left to right, as strings, bounded in number and length (they are stored and matched)."""
    merged: dict[str, str] = {}
    for labels in sources:
        for key, value in (labels or {}).items():
            if len(merged) >= MAX_LABELS:
                return merged
            if value is None or isinstance(value, dict | list):
                continue
            merged[str(key)[:MAX_LABEL_CHARS]] = str(value)[:MAX_LABEL_CHARS]
    return merged


def labels_key(labels: Mapping[str, str]) -> str:
    """A stable key for an alert identified only by its labels (what Alertmanager's fingerprint hashes)."""
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def joined(*parts: str | None) -> str:
    """Non-empty parts, one per line, without repeats, cut to MAX_TEXT_CHARS."""
    kept: list[str] = []
    for part in parts:
        text = (part or "").strip()
        if text and text not in kept:
            kept.append(text)
    return "\n".join(kept)[:MAX_TEXT_CHARS]


def web_link(url: str | None) -> str | None:
    """An http(s) URL to show as a link, or None (a link posted to Slack must not be javascript: or file:)."""
    if url and url.strip().lower().startswith(("https://", "http://")) and len(url) <= 3000:
        return url.strip()
    return None
