"""Which alert or page the work at hand is about, so every log line written meanwhile says so.

Beside the Slack event id (the correlation id every delivery's lines carry, klaxon.slack.lazy), work about one
alert or one page runs inside `about(alert_id=…, page_id=…)`: its lines carry `alert_id` and `page_id`, and
lose them when it ends - so one alert can be followed through a delivery, a webhook request or a sweep with
one CloudWatch Logs Insights filter (`filter alert_id = "C0…/1764…"`). Scopes nest: an inner scope's keys
are added to the outer's and the outer's are as they were once it ends. An error raised inside carries a
note naming them, since it is logged where it is caught - outside the scope (a sweep's failed step).

Where the keys go is set once per container by the wiring (klaxon.bootstrap: Powertools' Logger, whose keys
are kept per thread); until then they go nowhere, as in unit tests that do not look.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Protocol

ALERT_ID = "alert_id"
PAGE_ID = "page_id"


class LogKeys(Protocol):
    """Where correlation keys go: the keys every log line carries until they are removed."""

    def append(self, **keys: str) -> None: ...

    def remove(self, names: Iterable[str]) -> None: ...


class _Nowhere:
    def append(self, **keys: str) -> None:
        return None

    def remove(self, names: Iterable[str]) -> None:
        return None


_sink: LogKeys = _Nowhere()
_current: ContextVar[Mapping[str, str]] = ContextVar("klaxon_correlation", default=MappingProxyType({}))


def keep_in(sink: LogKeys) -> None:
    """Send correlation keys to `sink` from now on (the wiring's Logger)."""
    global _sink
    _sink = sink


def current() -> dict[str, str]:
    """The correlation keys of the work at hand."""
    return dict(_current.get())


@contextmanager
def about(*, alert_id: str | None = None, page_id: str | None = None) -> Iterator[None]:
    """Work about this alert and/or page: log lines written inside carry their ids (None: not this key)."""
    keys = {name: value for name, value in ((ALERT_ID, alert_id), (PAGE_ID, page_id)) if value}
    outer = _current.get()
    token = _current.set({**outer, **keys})
    _sink.append(**keys)
    try:
        yield
    except Exception as error:
        # Logged by whoever catches it, after this scope: the error itself keeps what it was about.
        if keys and not getattr(error, "__notes__", None):
            error.add_note("while working on " + ", ".join(f"{name} {value}" for name, value in
                                                            {**outer, **keys}.items()))
        raise
    finally:
        _current.reset(token)
        restored = {name: outer[name] for name in keys if name in outer}
        _sink.remove([name for name in keys if name not in outer])
        if restored:
            _sink.append(**restored)
