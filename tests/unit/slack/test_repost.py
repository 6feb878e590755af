"""The repost: nothing in the original notifies anyone (only the hotline does), and it fits Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from klaxon.alerts.gathering import gathered_text
from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.paging.policies import EscalationPolicy, Level, Page
from klaxon.slack.mrkdwn import unmentioned
from klaxon.slack.renderers.alerts import SECTION_LIMIT, alert_blocks, alert_fallback
from klaxon.slack.renderers.paging import page_blocks

FIRED = datetime(2026, 11, 24, 19, 2, tzinfo=UTC)
NOTIFYING = ("<!", "<@")


def alert(text: str, poster: str = "B0GRAFANA", poster_name: str = "Grafana", **fields: object) -> Alert:
    origin = SlackMessageOrigin("C0ALERTS", "1795546920.000100", poster, poster_name=poster_name,
                                permalink="https://x.slack.com/archives/C0ALERTS/p1795546920000100")
    values: dict = {"id": "C0ALERTS/1795546920.000100", "origin": origin, "text": text, "label": "[Latency]",
                    "target_channel": "C0INCIDENT", "fingerprint": "f", "first_seen": FIRED}
    return Alert(**(values | fields))


def rendered(blocks: list) -> str:
    return json.dumps([block.to_dict() for block in blocks])


@pytest.mark.parametrize("markup, shown", [
    ("<!here>", "@here"), ("<!here|here>", "@here"), ("<!here|@here>", "@here"),
    ("<!channel>", "@channel"), ("<!channel|channel>", "@channel"), ("<!everyone>", "@everyone"),
    ("<!everyone|@everyone>", "@everyone"), ("<!group>", "@group"),
    ("<!subteam^S0001>", "@S0001"), ("<!subteam^S0001|@oncall>", "@oncall"), ("<!subteam^S0001|oncall>", "@oncall"),
    ("<@U0003>", "@U0003"), ("<@U0003|alice>", "@alice"), ("<@W0003>", "@W0003"), ("<@B0BOT>", "@B0BOT"),
])
def test_every_spelling_of_a_mention_is_shown_readable_and_notifies_nobody(markup, shown):
    assert unmentioned(f"ping {markup} now") == f"ping {shown} now"


def test_taking_a_mention_out_never_forms_another():
    assert unmentioned("<<@U1>> <<<!here>>> <@U2|x<@U1>>") == "&lt;@U1> <&lt;@here>> &lt;@U2|x@U1>"


def test_markup_that_notifies_nobody_is_kept():
    text = "<#C0001> <https://grafana/d/1|dashboard> <!date^1700000000^{date}|Nov 14> &lt;!here&gt;"
    assert unmentioned(text) == text


def test_a_grafana_repost_notifies_exactly_the_rules_hotline():
    original = {"type": "message", "subtype": "bot_message", "text": "", "blocks": [{
        "type": "section", "text": {"type": "mrkdwn",
                                    "text": "<!here|here> <!subteam^S0001> <@U0003> [FIRING:1] HighLatency"}}]}
    repost = alert(gathered_text(original), hotline=("U0ONCALL",))
    blocks, fallback = rendered(alert_blocks(repost)), alert_fallback(repost)
    assert "@here @S0001 @U0003 [FIRING:1] HighLatency" in blocks
    assert fallback == "[Latency] @here @S0001 @U0003 [FIRING:1] HighLatency <@U0ONCALL>"
    for text in (blocks, fallback):
        assert text.count("<@") == 1 and "<@U0ONCALL>" in text and "<!" not in text.replace("<!date^", "")


def test_the_poster_is_named_not_mentioned():
    assert "<@U0PERSON>" not in rendered(alert_blocks(alert("disk full", poster="U0PERSON", poster_name="carol")))
    assert "<@U0PERSON>" not in rendered(alert_blocks(alert("disk full", poster="U0PERSON", poster_name="")))


def test_a_page_from_a_mention_does_not_pass_on_the_mentions_it_quotes():
    policy = EscalationPolicy(name="db", levels=(Level(("U0BOB",), 60),))
    page = Page(id="mention/C1/1.2", policy=policy, channel="C1", ts="1.2", summary="db down <!channel> <@U0X>",
                started_at=FIRED)
    assert not any(mark in rendered(page_blocks(page, 0)).replace("<!date^", "") for mark in NOTIFYING)


def section_texts(blocks: list) -> list[str]:
    texts = []
    for block in (b.to_dict() for b in blocks):
        texts += [block["text"]["text"]] if "text" in block else []
        texts += [element["text"] for element in block.get("elements", []) if "text" in element
                  and isinstance(element["text"], str)]
    return texts


@pytest.mark.parametrize("text", [
    "\n".join(f"[FIRING] disk full on db-{n}" for n in range(10_000)),  # a line each: quoting adds to each
    "x" * 70_000,
    "<@U0003> " * 2_000,
    "&amp;" * 2_000,
])
def test_every_text_of_the_repost_fits_slacks_limits_and_says_it_was_cut(text):
    blocks = alert_blocks(alert(text, poster_name="p" * 5_000))
    assert all(len(t) <= SECTION_LIMIT for t in section_texts(blocks))
    assert "(cut; the original has it all)" in section_texts(blocks)[0]
    assert len(blocks) <= 50 and len(alert_fallback(alert(text))) <= 300


def test_a_long_multi_line_page_summary_fits_too():
    policy = EscalationPolicy(name="db", levels=(Level(("U0BOB",), 60),))
    page = Page(id="mention/C1/1.2", policy=policy, channel="C1", ts="1.2", summary="db down\n" * 2_000,
                started_at=FIRED)
    assert all(len(t) <= SECTION_LIMIT for t in section_texts(page_blocks(page, 0)))
