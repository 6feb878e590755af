"""The incident pages: what they show, what they never let through, and the headers they carry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from klaxon.incidents.history import by_window
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.timeline import EntryKind, TimelineEntry, entry, pin_key
from klaxon.web.pages import LinkedAlert, LinkedPage, doc_page, list_page, refused_page

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
NAMES = {"U1": "Alice", "U2": "Bob", "U3": "Carol"}.get


def fixed() -> Incident:
    incident = Incident(id="inc-7", summary="Checkout &lt;script&gt;alert(1)&lt;/script&gt; *down*",
                        severity=Severity.CRITICAL, reporter="U1", lead="U2", lead_since=T0, declared_at=T0,
                        impact="EU customers cannot pay")
    incident = incident.with_role("comms", "U3").with_status(Status.IDENTIFIED, "U2", T0 + timedelta(minutes=6))
    incident = incident.with_status(Status.RESOLVED, "U2", T0 + timedelta(minutes=42))
    return incident.with_action("Add a canary", "U3", "U2", T0 + timedelta(minutes=50))[0]


def test_the_doc_shows_the_whole_record() -> None:
    timeline = [entry("inc-7", EntryKind.DECLARED, "U1", T0, "declared"),
                TimelineEntry("inc-7", pin_key("C9", "1.1"), T0 + timedelta(minutes=3), EntryKind.PIN, "U2",
                              "payments returning 502")]
    page = doc_page(fixed(), timeline, names=NAMES, now=T0 + timedelta(hours=2),
                    alerts=[LinkedAlert("[Error]", "5xx above 5%", "acknowledged", "https://slack.example/x")],
                    pages=[LinkedPage("sre", "acknowledged", "U2", "2m")], slack_url="https://slack.com/app_redirect")
    text = re.sub(r"<[^>]+>", " ", page.html)
    for fact in ("SEV1 critical", "To acknowledge", "6m", "To resolve", "42m", "Lead", "Bob", "Comms", "Carol",
                 "payments returning 502", "Add a canary", "5xx above 5%", "sre", "identified", "EU customers"):
        assert fact in text, fact
    assert "Alice (1)" in text and "Bob (1)" in text  # who took part and how much


def test_what_people_typed_stays_inert_text() -> None:
    html = doc_page(fixed(), [], names=NAMES, now=T0).html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>down</b>" in html


def test_pages_are_private_uncached_unindexed_and_run_nothing() -> None:
    page = doc_page(fixed(), [], names=NAMES, now=T0)
    assert page.headers["Cache-Control"].startswith("private")
    assert "noindex" in page.headers["X-Robots-Tag"] and '<meta name="robots" content="noindex' in page.html
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy and "unsafe" not in policy
    assert "<script" not in page.html


def test_the_list_shows_incidents_and_response_times() -> None:
    incident = fixed()
    page = list_page([incident], by_window([incident], T0 + timedelta(hours=1)), names=NAMES,
                     now=T0 + timedelta(hours=1), doc_links={"inc-7": "https://k/incidents/inc-7?t=x"})
    assert 'href="https://k/incidents/inc-7?t=x"' in page.html
    assert "last 30 days" in page.html and "last 90 days" in page.html and "SEV1 critical" in page.html


def test_a_refusal_says_how_to_get_a_fresh_link() -> None:
    page = refused_page(403, "This link has expired", "Ask @klaxon doc in the incident channel.")
    assert page.status == 403 and "@klaxon doc" in page.html
