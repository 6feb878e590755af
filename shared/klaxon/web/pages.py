"""The incident pages as HTML: the doc of one incident, the incident list, and the refusals.

Jinja2 with autoescaping on for every template: anything people typed is escaped; Slack markup becomes
HTML only through `mrkdwn.to_html`, which sanitises. Pages carry no scripts; the one stylesheet is inline
and allowed by its hash in the Content-Security-Policy, so nothing else can load or run.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from klaxon.incidents.doc import IncidentDoc
from klaxon.incidents.durations import spoken
from klaxon.incidents.history import History
from klaxon.markup import Names
from klaxon.web.mrkdwn import plain, to_html


@dataclass(frozen=True)
class Page:
    """A rendered page and the headers it must be served with."""

    status: int
    html: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Places:
    """Where a page links to: Slack (the workspace's address, from auth.test, for its channels and
    messages), and Klaxon's own pages (signed links made for this page view)."""

    slack_url: str | None = None  # e.g. https://acme.slack.com/
    postmortem_url: str | None = None
    doc_urls: Mapping[str, str] = field(default_factory=dict)  # incident id → its doc (the list page)
    list_url: str | None = None

    def channel(self, channel: str | None) -> str | None:
        """A channel's address in Slack (the form chat.getPermalink's links take)."""
        return f"{self.slack_url.rstrip('/')}/archives/{channel}" if self.slack_url and channel else None

    def message(self, where: Sequence[str] | None) -> str | None:
        """A message's permalink, from its (channel, ts)."""
        if not where or not self.slack_url:
            return None
        channel, ts = where
        return f"{self.channel(channel)}/p{ts.replace('.', '')}"


def doc_page(doc: IncidentDoc, *, names: Names, now: datetime, places: Places = Places()) -> Page:
    """The incident doc (SPEC §4): everything Klaxon recorded about one incident."""
    return _render("doc.html", 200, incident=doc.record.incident, entries=doc.record.timeline, alerts=doc.alerts,
                   pages=doc.pages, participation=doc.participation, places=places, now=now, names=names)


def list_page(history: History, *, names: Names, places: Places = Places()) -> Page:
    """Recent incidents (a private one without its summary or doc) and MTTA/MTTR over 30 and 90 days."""
    return _render("list.html", 200, history=history, windows=history.windows, incidents=history.incidents,
                   names=names, now=history.now, places=places)


def refused_page(status: int, title: str, explanation: Markup) -> Page:
    """A 403 or 404 that says what happened and how to get a working link (`explanation` is HTML: build it
    with Markup, whose format() escapes what it is given)."""
    return _render("refused.html", status, title=title, explanation=explanation)


def markdown_headers(filename: str) -> dict[str, str]:
    """Headers for a Markdown file served to download (the postmortem): private, never cached or indexed."""
    return {**_headers(), "Content-Type": "text/markdown; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"'}


def _render(template: str, status: int, **context: Any) -> Page:
    html = _environment().get_template(template).render(**context)
    return Page(status=status, html=html, headers=_headers())


@cache
def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("klaxon.web", "templates"),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.globals.update(style=Markup(_stylesheet()))
    environment.filters.update(mrkdwn=_mrkdwn, plain=_plain, when=_when, spoken=spoken, person=_person, took=_took)
    environment.tests.update(web_link=_web_link)
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
    return to_html(text, names)


def _plain(text: str, names: Names) -> str:
    return plain(text, names)


def _person(user: str | None, names: Names) -> str:
    if not user:
        return "nobody"
    return names(user) or user


def _web_link(url: str | None) -> bool:
    """Whether a link from a monitoring source may be a link on the page: http(s) only, never javascript:."""
    return bool(url) and str(url).startswith(("https://", "http://"))


def _took(start: datetime, end: datetime | None) -> str:
    return spoken(end - start) if end else "-"


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else "-"
