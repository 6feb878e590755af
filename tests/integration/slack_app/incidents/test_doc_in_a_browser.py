"""The incident doc in a real browser: Playwright driving Debian's chromium opens the link Klaxon gave in Slack.

An incident is declared through the emulated workspace with a script and HTML typed into its form, `@klaxon doc`
gives the link, and chromium opens it from the local cloud: the page renders the incident, what was typed
stays inert text, the stylesheet the Content-Security-Policy allows applies, an expired and a tampered link
are refused. Screenshots (desktop and a 390 px phone) and a print to PDF are saved under the test's tmp_path,
and their paths printed, for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from infra.stack import LINK_SIGNING_KEY
from klaxon.web.links import LinkSigner
from tests.integration.slack_app.incidents.seen import BOT, channel_named, declare

CHROMIUM = "/usr/bin/chromium"  # Debian's: `make test` installs it (Playwright's own download is not available)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TYPED_SUMMARY = "<script>alert('summary')</script><img src=x onerror=alert('img')> checkout & cart down"
TYPED_IMPACT = "EU customers <b>cannot</b> pay; see <a href=javascript:alert('a')>this</a>"
LINK = re.compile(r"<(https?://[^|>]+)\|")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def doc_link(workspace: Any, alice: str, bob: str) -> str:
    """An incident declared with a script and HTML typed in its form; the link `@klaxon doc` gives."""
    declare(workspace, bob, "#ops", TYPED_SUMMARY, severity="1", lead=alice, impact=TYPED_IMPACT)
    channel = channel_named(workspace, "inc-")
    assert channel is not None
    ws = workspace.workspace
    ws.post(channel["id"], "payments returning 502 since the deploy", user=alice)
    workspace.settle()
    pinned = next(m for m in ws.messages(channel["id"]) if m.get("user") == alice)
    ws.pin(alice, channel["id"], pinned["ts"])
    said = ws.post(channel["id"], f"<@{BOT}> doc", user=alice)
    workspace.settle()
    (answer,) = ws.thread(channel["id"], said.ts)[1:]
    (link,) = LINK.findall(answer["text"])
    return str(link)


def opened(browser: Browser, url: str, **context: Any) -> tuple[Page, list[str]]:
    """The page at `url` in a fresh browser context, and what happened: its status, then every dialog and
    console error it raised (chromium reports a 4xx document itself as one: not counted)."""
    page = browser.new_context(**context).new_page()
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda message: seen.append(f"console: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource: the server "
                                                                       "responded with a status of 4") else None)
    response = page.goto(url)
    assert response is not None
    return page, [f"status: {response.status}", *seen]


def test_the_doc_renders_the_incident_and_what_was_typed_stays_inert(browser: Browser, doc_link: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    page, seen = opened(browser, doc_link, viewport={"width": 1280, "height": 900})
    assert seen == ["status: 200"], "no dialog, no console error (a blocked style or script would log one)"
    assert page.locator("h1").inner_text() == TYPED_SUMMARY, "the summary shown exactly as typed"
    assert page.title() == f"{TYPED_SUMMARY} · incident {doc_link.split('/incidents/')[1].split('?')[0]}"
    assert page.locator("script, img, h1 b, iframe").count() == 0
    assert "EU customers <b>cannot</b> pay; see <a href=javascript:alert('a')>this</a>" in page.inner_text("body")
    assert page.get_by_text("payments returning 502 since the deploy").is_visible()
    assert page.get_by_role("link", name="Postmortem (Markdown)").is_visible()
    # The inline stylesheet applies: the Content-Security-Policy allows it by its hash.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "928px"
    desktop = tmp_path / "incident-doc.png"
    page.screenshot(path=desktop, full_page=True)

    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible(), "links for the screen are left off the paper"
    paper = tmp_path / "incident-doc-print.png"
    page.screenshot(path=paper, full_page=True)
    printed = tmp_path / "incident-doc.pdf"
    page.pdf(path=printed, format="A4")
    assert printed.read_bytes().startswith(b"%PDF")

    phone, seen = opened(browser, doc_link, viewport={"width": 390, "height": 844}, is_mobile=True)
    assert seen == ["status: 200"]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    narrow = tmp_path / "incident-doc-phone.png"
    phone.screenshot(path=narrow, full_page=True)
    with capsys.disabled():
        print(f"\nthe incident doc, for a person to look at: {desktop} (desktop), {narrow} (390 px phone), "
              f"{paper} and {printed} (printed)")


def test_an_expired_and_a_tampered_link_are_refused_in_the_browser(browser: Browser, doc_link: str,
                                                                   workspace: Any) -> None:
    incident_id = doc_link.split("/incidents/")[1].split("?")[0]
    signer = LinkSigner(LINK_SIGNING_KEY.encode(), workspace.cloud_url)
    expired = signer.doc_link(incident_id, datetime.now(UTC) - timedelta(days=8))
    token = doc_link.split("?t=")[1]
    tampered = doc_link.split("?")[0] + "?" + urlencode({"t": token.replace(".", ".x", 1)})
    for url, title in ((expired, "This link has expired"), (tampered, "This link is not valid")):
        page, seen = opened(browser, url)
        assert seen == ["status: 403"]
        assert page.locator("h1").inner_text() == title
        assert "@klaxon doc" in page.inner_text("body") and "checkout" not in page.content()
