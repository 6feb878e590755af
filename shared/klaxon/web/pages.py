"""The incident pages as HTML: the doc of one incident, the incident list, and the refusals.

Jinja2 with autoescaping on for every template: anything people typed is escaped; Slack markup becomes
HTML only through `mrkdwn.to_html`, which sanitises. Pages carry no scripts; the one stylesheet is inline
and allowed by its hash in the Content-Security-Policy, so nothing else can load or run.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from klaxon.incidents.durations import spoken
from klaxon.incidents.history import WindowFigures
from klaxon.incidents.model import Incident
from klaxon.incidents.timeline import TimelineEntry, ordered
from klaxon.web import mrkdwn

Names = Callable[[str], str | None]


@dataclass(frozen=True)
class LinkedAlert:
    """An alert an incident was declared from or linked to, as the doc shows it."""

    label: str
    headline: str
    state: str
    link: str | None


@dataclass(frozen=True)
class LinkedPage:
    """A page the incident started, as the doc shows it."""

    policy: str
    state: str
    acknowledged_by: str | None
    took: str


@dataclass(frozen=True)
class Page:
    """A rendered page and the headers it must be served with."""

    status: int
    html: str
    headers: dict[str, str]


def doc_page(incident: Incident, timeline: Iterable[TimelineEntry], *, names: Names, now: datetime,
             alerts: Sequence[LinkedAlert] = (), pages: Sequence[LinkedPage] = (), slack_url: str | None = None,
             postmortem_url: str | None = None) -> Page:
    """The incident doc (SPEC §4): everything Klaxon recorded about one incident."""
    entries = ordered(timeline)
    participation: dict[str, int] = {}
    for entry in entries:
        if entry.by:
            participation[entry.by] = participation.get(entry.by, 0) + 1
    return _render("doc.html", 200, incident=incident, entries=entries, alerts=alerts, pages=pages,
                   participation=sorted(participation.items(), key=lambda pair: -pair[1]),
                   slack_url=slack_url, postmortem_url=postmortem_url, now=now, names=names)


def list_page(incidents: Sequence[Incident], windows: Sequence[WindowFigures], *, names: Names, now: datetime,
              doc_links: dict[str, str]) -> Page:
    """Recent incidents and MTTA/MTTR over 30 and 90 days by severity."""
    return _render("list.html", 200, incidents=incidents, windows=windows, names=names, now=now,
                   doc_links=doc_links)


def refused_page(status: int, title: str, explanation: str) -> Page:
    """A 403 or 404 that says what happened and how to get a working link."""
    return _render("refused.html", status, title=title, explanation=explanation)


def _render(template: str, status: int, **context: Any) -> Page:
    html = _environment().get_template(template).render(**context)
    return Page(status=status, html=html, headers=_headers())


@cache
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("klaxon.web", "templates"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(style=Markup(_stylesheet()))
    environment.filters.update(mrkdwn=_mrkdwn, plain=_plain, when=_when, spoken=spoken, person=_person)
    return environment


@cache
def _stylesheet() -> str:
    return (_template_dir_text("style.css")).strip()


def _template_dir_text(name: str) -> str:
    loader = PackageLoader("klaxon.web", "templates")
    source, _, _ = loader.get_source(Environment(), name)
    return source


def _headers() -> dict[str, str]:
    digest = base64.b64encode(hashlib.sha256(_stylesheet().encode()).digest()).decode()
    policy = (f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; script-src 'none'; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, no-store",
            "Content-Security-Policy": policy, "X-Robots-Tag": "noindex, nofollow",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


def _mrkdwn(text: str, names: Names) -> Markup:
    return mrkdwn.to_html(text, names)


def _plain(text: str, names: Names) -> str:
    return mrkdwn.plain(text, names)


def _person(user: str | None, names: Names) -> str:
    if not user:
        return "nobody"
    return names(user) or user


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "-"
