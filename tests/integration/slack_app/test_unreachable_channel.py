"""Reposting into an incidents channel Klaxon is not in, through Slack and the real handlers: a public one is
joined; a private one keeps its alerts waiting - told in the audit trail and in the other digests - until
Klaxon is invited, and then they are posted. Nothing is dead-lettered, nothing is lost."""

from __future__ import annotations

import pytest

from klaxon.rules import Rule


@pytest.fixture
def channels(stack, alice):
    ws = stack.workspace
    ids = {
        "incidents": ws.add_channel("incidents")["id"],
        "public-ops": ws.add_channel("public-ops", bot_member=False)["id"],
        "sec-incidents": ws.add_channel("sec-incidents", is_private=True, members=[alice], bot_member=False)["id"],
        "alerts-prod": ws.add_channel("alerts-prod")["id"],
    }
    ws.add_bot("datadog")
    # Set up directly, as if Klaxon had been removed from the channels after the rules were written.
    rules = (Rule.create(pattern="disk", target_channel=ids["incidents"]),
             Rule.create(pattern="deploy failed", target_channel=ids["public-ops"]),
             Rule.create(pattern="auth failures", target_channel=ids["sec-incidents"]))
    stack.configure(lambda config: config.with_rules(rules))
    return ids


def test_a_public_incidents_channel_klaxon_is_not_in_is_joined_and_posted_to(stack, channels):
    stack.workspace.post("#alerts-prod", "deploy failed on api", bot="datadog")
    stack.settle()
    assert len(stack.workspace.messages("#public-ops")) == 1
    assert [c.ok for c in stack.workspace.calls("conversations.join")] == [True]


def test_a_private_one_keeps_its_alerts_waiting_tells_the_admins_and_posts_them_once_invited(stack, alice, channels,
                                                                                             later):
    ws = stack.workspace
    ws.post("#alerts-prod", "auth failures on the vpn", bot="datadog")
    ws.post("#alerts-prod", "auth failures on sso", bot="datadog")
    ws.post("#alerts-prod", "disk full on db-1", bot="datadog")
    stack.settle()
    assert stack.dead_letters() == [] and len(stack.items("ALERT#")) >= 3

    audit = stack.klaxon(alice, "#alerts-prod", "audit")
    assert f"Klaxon cannot post in <#{channels['sec-incidents']}> (channel_not_found)" in audit
    assert "/invite @klaxon" in audit

    later(minutes=16)  # past the digest threshold
    stack.sweep()
    (digest,) = ws.messages("#incidents")[1:]
    warning = "\n".join(b["text"]["text"] for b in digest["blocks"] if b["block_id"].startswith("digest.unreachable"))
    assert "Klaxon cannot post in these incidents channels" in warning and "/invite @klaxon" in warning
    assert f"<#{channels['sec-incidents']}> (`channel_not_found`): 2 alerts waiting" in warning

    ws.invite("#sec-incidents", "klaxon")
    later(minutes=1)
    stack.sweep()
    posted = sorted(m["text"] for m in ws.messages("#sec-incidents"))
    assert posted == ["2 alerts nobody has acknowledged", "[Alert] auth failures on sso",
                      "[Alert] auth failures on the vpn"], "the two reposts, then the channel's own digest"
    assert not [b for b in ws.messages("#incidents")[1]["blocks"] if b["block_id"].startswith("digest.unreachable")]
    assert stack.dead_letters() == []


def test_two_edits_delivered_at_once_repost_the_alert_once(stack, channels):
    ws = stack.workspace
    for host in ("alpha", "beta", "gamma"):  # names, not numbers: three alerts, not one group
        posted = ws.post("#alerts-prod", "all good", bot="datadog")
        ws.edit("#alerts-prod", posted.ts, f"disk full on {host}")
        ws.edit("#alerts-prod", posted.ts, f"disk full on {host} (still)")
    stack.settle()
    assert len(ws.messages("#incidents")) == 3 and stack.dead_letters() == []
