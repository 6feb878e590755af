"""The incident pages: what they show, what they never let through, and the headers they carry."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from markupsafe import Markup

from klaxon.incidents.history import History, HistoryQuery, by_window
from klaxon.incidents.model import Incident, Severity
from klaxon.web.pages import Places, doc_page, list_page, markdown_headers, refused_page
from tests.html_tags import Tags
from tests.incident_record import COMMS, INCIDENT_ID, T0, at, fixed_doc, fixed_incident, names

PLACES = Places(slack_url="https://klaxon-demo.slack.com/", postmortem_url="https://k/incidents/x/postmortem.md?t=y")


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def links_of(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_the_doc_shows_the_whole_record() -> None:
    page = doc_page(fixed_doc(), names=names, now=at(120), places=PLACES)
    text = text_of(page.html)
    for fact in ("SEV1 critical", "resolved since 2026-11-29 10:42 UTC", "To acknowledge 6m", "To mitigate 15m",
                 "To resolve 42m", "Duration 42m", "Lead Bob", "Reporter Alice", "Comms Carol &lt;admin&gt;",
                 "identified Bob bad deploy", "EU customers cannot pay", "says @Carol &lt;admin&gt;",
                 "errors from [payments](http://evil) | # not a heading", "role comms @Carol &lt;admin&gt;",
                 "Roll back faster", "Carol &lt;admin&gt; done 2026-11-29 10:55 UTC", "Add a canary",
                 "[Error] 5xx above 5% · acknowledged", "policy sre , started 2026-11-29 10:06 UTC",
                 "acknowledged by Bob after 2m"):
        assert fact in text, fact
    assert "Took part (timeline entries): Bob (4), Alice (1)" in text  # who took part and how much
    assert f"<title>Checkout *down* for EU · incident {INCIDENT_ID}</title>" in page.html


def test_the_doc_links_back_to_slack_and_to_its_postmortem() -> None:
    links = links_of(doc_page(fixed_doc(), names=names, now=at(120), places=PLACES).html)
    assert f"https://klaxon-demo.slack.com/archives/{COMMS}" in links  # the comms channel
    assert "https://klaxon-demo.slack.com/archives/C0INCIDENTS/p1800000400000001" in links  # the headline post
    assert f"https://klaxon-demo.slack.com/archives/{COMMS}/p1800000100000200" in links  # a pinned message
    assert "https://grafana.example/d/1?a=1&amp;b=2" in links  # a link in a pinned message, one &amp; as HTML wants
    assert "https://k/incidents/x/postmortem.md?t=y" in links
    assert "https://klaxon-demo.slack.com/archives/C0OPS/p1800000000000100" in links  # the alert's original


def test_an_alert_link_that_is_not_a_web_address_is_no_link() -> None:
    doc = fixed_doc()
    hostile = replace(doc, alerts=(replace(doc.alerts[0], link="javascript:alert(1)"),))
    html = doc_page(hostile, names=names, now=T0).html
    assert "javascript:" not in html and "[Error] 5xx above 5%" in text_of(html)


def test_without_the_workspace_address_the_doc_has_no_links_to_slack() -> None:
    links = links_of(doc_page(fixed_doc(), names=names, now=at(120)).html)
    assert not [link for link in links if "slack.com/archives/" in link and "C0OPS" not in link]


def test_what_people_typed_stays_inert_text() -> None:
    typed = fixed_incident(summary="Checkout &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; "
                                   "*down*")
    html = doc_page(fixed_doc(typed), names=names, now=T0).html
    tags = Tags()
    tags.feed(html)
    assert "script" not in {tag for tag, _ in tags.seen} and "img" not in {tag for tag, _ in tags.seen}
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt; <b>down</b>" in html
    assert "<title>Checkout &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the title too: text, escaped once


def test_pages_are_private_uncached_unindexed_and_run_nothing() -> None:
    page = doc_page(fixed_doc(), names=names, now=T0)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in page.headers["X-Robots-Tag"] and '<meta name="robots" content="noindex' in page.html
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the link's token never leaves in a Referer
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'none'" in policy and "unsafe" not in policy
    assert "<script" not in page.html


def test_the_one_stylesheet_is_the_one_the_policy_allows() -> None:
    import base64
    import hashlib

    page = doc_page(fixed_doc(), names=names, now=T0)
    (style,) = re.findall(r"<style>(.*?)</style>", page.html, re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page.headers["Content-Security-Policy"]


def history_of(*incidents: Incident) -> History:
    now = at(60)
    return History(HistoryQuery(span=timedelta(days=90)), incidents, tuple(by_window(incidents, now)), now)


def test_the_list_shows_incidents_and_response_times_and_keeps_private_ones_private() -> None:
    secret = replace(fixed_incident(summary="payroll leak"), id="20261129-00000002", private=True)
    page = list_page(history_of(fixed_incident(), secret), names=names,
                     places=Places(doc_urls={INCIDENT_ID: "https://k/incidents/a?t=x"}))
    text = text_of(page.html)
    assert 'href="https://k/incidents/a?t=x"' in page.html
    assert "last 30 days all 2 6m 42m 0" in text and "last 90 days" in text and "SEV1 critical" in text
    assert "A private incident" in text and "payroll leak" not in page.html


def test_a_refusal_says_how_to_get_a_fresh_link() -> None:
    page = refused_page(403, "This link has expired", Markup("Ask <code>@klaxon doc</code>: {}.").format("<i>x"))
    assert page.status == 403 and "<code>@klaxon doc</code>" in page.html and "&lt;i&gt;x" in page.html


def test_the_postmortem_downloads_as_a_private_markdown_file() -> None:
    headers = markdown_headers("postmortem-20261129-3fa2c1d4.md")
    assert headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert headers["Content-Disposition"] == 'attachment; filename="postmortem-20261129-3fa2c1d4.md"'
    assert headers["Cache-Control"] == "private, no-store" and "noindex" in headers["X-Robots-Tag"]


def test_a_severity_on_the_list_reads_as_on_the_doc() -> None:
    minor = replace(fixed_incident(), severity=Severity.MINOR)
    assert "SEV3 minor" in text_of(list_page(history_of(minor), names=names).html)
