"""The incident pages through Slack and the HTTP API: links Klaxon gives in Slack open them, and nothing else does.

Every link is taken from what Klaxon said in the emulated workspace; the pages are fetched from the local
cloud's route, served by the webhooks function's resolver, reading DynamoDB (moto) as in AWS.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from infra.stack import LINK_SIGNING_KEY
from klaxon.bootstrap import runtime
from klaxon.slack.actions import ActionId
from klaxon.web.links import LinkSigner
from tests.integration.slack_app.incidents.seen import BOT, block, buttons, comms_channel, headline_now

LINK = re.compile(r"<(https?://[^|>]+)\|")


@pytest.fixture
def incident(workspace, alice, bob):
    """A severity 1 incident led by Alice, with its comms channel: (channel id, incident id)."""
    channel, _ = comms_channel(workspace, bob, lead=alice, text="checkout <script> fails for EU")
    (incident_id,) = re.findall(r"`(\d{8}-[0-9a-f]{8})`", str(block(headline_now(workspace), "incident.id")))
    return channel["id"], incident_id


def mention(workspace, user, channel, command):
    said = workspace.workspace.post(channel, f"<@{BOT}> {command}", user=user)
    workspace.settle()
    return said


def doc_link(workspace, user, channel):
    """`@klaxon doc`, and the link in Klaxon's answer in the thread."""
    said = mention(workspace, user, channel, "doc")
    (answer,) = workspace.workspace.thread(channel, said.ts)[1:]
    (link,) = LINK.findall(answer["text"])
    return link


def with_token(link, token):
    return link.split("?")[0] + "?" + urlencode({"t": token})


def test_doc_gives_a_signed_link_that_opens_the_doc_privately(workspace, alice, incident):
    channel, incident_id = incident
    link = doc_link(workspace, alice, channel)
    assert link.startswith(f"{workspace.cloud_url}/incidents/{incident_id}?t=")
    page = workspace.open_page(link)
    assert page.status == 200 and page.title == f"checkout <script> fails for EU · incident {incident_id}"
    assert "checkout &lt;script&gt; fails for EU" in page.body and "<script>" not in page.body
    assert "SEV1 critical" in page.body and "alice" in page.body  # the lead, by the name Slack shows
    assert page.headers["cache-control"] == "private, no-store" and "noindex" in page.headers["x-robots-tag"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_every_link_klaxon_put_in_slack_opens_the_doc(workspace, incident):
    channel, incident_id = incident
    (open_doc,) = [e for e in block(headline_now(workspace), "incident.actions")["elements"]
                   if e["action_id"] == ActionId.OPEN_DOC.value]
    (bookmark,) = next(c for c in workspace.workspace.state()["channels"] if c["id"] == channel)["bookmarks"]
    welcome = next(m for m in workspace.workspace.messages(channel) if m.get("bot_id"))
    for link in (open_doc["url"], bookmark["link"], *LINK.findall(welcome["text"])):
        assert workspace.open_page(link).status == 200, link
    assert ActionId.OPEN_DOC.value in buttons(headline_now(workspace))


def test_a_changed_an_expired_or_a_missing_token_is_refused_with_how_to_get_a_fresh_link(workspace, alice, incident):
    channel, incident_id = incident
    link = doc_link(workspace, alice, channel)
    token = parse_qs(urlsplit(link).query)["t"][0]
    signer = LinkSigner(LINK_SIGNING_KEY.encode(), workspace.cloud_url)
    expired = signer.doc_link(incident_id, datetime.now(UTC) - timedelta(days=7, seconds=1))
    other_key = LinkSigner(b"k" * 40, workspace.cloud_url).doc_link(incident_id, datetime.now(UTC))
    cases = {"This link has expired": [expired],
             "This link is not valid": [with_token(link, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")),
                                        other_key, with_token(signer.list_link(datetime.now(UTC)), token[::-1]),
                                        signer.list_link(datetime.now(UTC)).replace("/incidents?", f"/incidents/"
                                                                                   f"{incident_id}?")],
             "This page opens from a link Klaxon gives": [link.split("?")[0]]}
    for title, links in cases.items():
        for refused in links:
            page = workspace.open_page(refused)
            assert (page.status, page.title) == (403, f"{title} · Klaxon"), refused
            assert "@klaxon doc" in page.body and "checkout" not in page.body
            assert page.headers["cache-control"] == "private, no-store"


def test_a_valid_link_to_an_incident_klaxon_does_not_have_is_404(workspace, incident):
    signer = LinkSigner(LINK_SIGNING_KEY.encode(), workspace.cloud_url)
    page = workspace.open_page(signer.doc_link("20200101-00000000", datetime.now(UTC)))
    assert (page.status, page.title) == (404, "No such incident · Klaxon")
    assert "20200101-00000000" in page.body


def test_one_query_reads_the_incident_and_its_timeline(workspace, alice, incident):
    channel, _ = incident
    for n in range(3):
        mention(workspace, alice, channel, f"update step {n} done")
    link = doc_link(workspace, alice, channel)
    reads = runtime().store.table.reads
    before = (reads.requests, dict(reads.by_kind))
    page = workspace.open_page(link)
    assert page.status == 200 and "step 2 done" in page.body
    assert reads.requests - before[0] == 1, "one query for the incident and every timeline entry"
    assert set(reads.by_kind) - set(before[1]) <= {"query"} and reads.by_kind["query"] - before[1].get("query", 0) >= 5


def test_postmortem_posts_the_draft_to_the_channel_as_a_markdown_file(workspace, alice, bob, incident):
    channel, incident_id = incident
    mention(workspace, alice, channel, "action add a canary <@" + bob + ">")
    said = mention(workspace, bob, channel, "postmortem")
    ws = workspace.workspace
    (shared,) = ws.files()
    assert (shared["name"], shared["channels"]) == (f"postmortem-{incident_id}.md", [channel])
    draft = shared["content"]
    assert draft.startswith("# Postmortem: checkout \\<script\\> fails for EU\n")
    assert "- Lead: alice" in draft and "- [ ] a1: add a canary - bob" in draft and "## What went well" in draft
    post = next(m for m in ws.messages(channel) if m.get("files"))
    assert f"<@{bob}> asked for the postmortem draft" in post["text"]
    reacted = next(m for m in ws.messages(channel) if m["ts"] == said.ts)
    assert [r["name"] for r in reacted.get("reactions", [])] == ["white_check_mark"]


def test_the_doc_links_its_postmortem_which_downloads_as_markdown(workspace, alice, incident):
    channel, incident_id = incident
    page = workspace.open_page(doc_link(workspace, alice, channel))
    (postmortem_url,) = re.findall(r'href="([^"]*/postmortem\.md\?t=[^"]+)"', page.body)
    download = workspace.open_page(postmortem_url.replace("&amp;", "&"))
    assert download.status == 200 and download.body.startswith("# Postmortem: checkout")
    assert download.headers["content-type"] == "text/markdown; charset=utf-8"
    assert download.headers["content-disposition"] == f'attachment; filename="postmortem-{incident_id}.md"'


def test_incident_list_anywhere_shows_recent_incidents_and_links_the_list_page(workspace, alice, bob, incident):
    channel, incident_id = incident
    ws = workspace.workspace
    ws.command(bob, "#ops", "/incident", "list")
    workspace.settle()
    answer = ws.ephemerals(bob)[-1]["text"]
    assert answer.startswith("*Incidents declared in the last 30d: 1*")
    assert f"`{incident_id}` checkout &lt;script&gt; fails for EU · investigating · lead <@{alice}>" in answer
    assert "*Response times* · last 30 days: 1 incident, MTTA" in answer
    (list_link,) = LINK.findall(answer)
    page = workspace.open_page(list_link)
    assert page.status == 200 and page.title == "Incidents · Klaxon"
    (doc,) = re.findall(rf'href="([^"]*/incidents/{incident_id}\?t=[^"]+)"', page.body)
    assert workspace.open_page(doc).status == 200
    assert workspace.open_page(with_token(link_to_doc(list_link, incident_id), "x")).status == 403


def link_to_doc(list_link, incident_id):
    return list_link.replace("/incidents?", f"/incidents/{incident_id}?")


def test_incident_list_filters_and_refuses_what_it_does_not_understand(workspace, alice, bob, incident):
    channel, _ = incident
    ws = workspace.workspace
    mention(workspace, alice, channel, "resolve")
    ws.command(bob, "#ops", "/incident", "list open last 7d")
    workspace.settle()
    assert ws.ephemerals(bob)[-1]["text"].startswith("*open incidents declared in the last 7d: 0*")
    ws.command(bob, channel, "/incident", "list closed")
    workspace.settle()
    assert ws.ephemerals(bob)[-1]["text"].startswith("*closed incidents declared in the last 30d: 1*")
    ws.command(bob, "#ops", "/incident", "list sometimes")
    workspace.settle()
    assert "`sometimes` is not understood here: `list [open|closed] [last 30d]`" in ws.ephemerals(bob)[-1]["text"]
