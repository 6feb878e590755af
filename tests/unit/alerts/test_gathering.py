"""Every place Slack carries text a person reads is gathered, once, by one function; nothing else is."""

from __future__ import annotations

import json

import pytest

from klaxon.alerts.gathering import CUT_NOTE, MAX_GATHERED_CHARS, gathered_text
from tests.payloads import fixture


def section(text: str, kind: str = "mrkdwn") -> dict:
    return {"type": "section", "text": {"type": kind, "text": text}}


def rich(*elements: dict) -> dict:
    return {"type": "rich_text", "elements": list(elements)}


def rich_section(*elements: dict) -> dict:
    return {"type": "rich_text_section", "elements": list(elements)}


def text(value: str, **style: bool) -> dict:
    return {"type": "text", "text": value, **({"style": style} if style else {})}


# ---------------------------------------------------------------------- the input of issue 8, and its kind
def test_a_markdown_blocks_text_is_a_plain_string_and_is_gathered():
    message = {"type": "message", "subtype": "bot_message", "text": "",
               "blocks": [{"type": "markdown", "block_id": "m1", "text": "**Disk full** on `db-1` (98%)"}]}
    assert gathered_text(message) == "**Disk full** on `db-1` (98%)"


@pytest.mark.parametrize("block, expected", [
    (section("*Disk full* on db-1"), "*Disk full* on db-1"),
    ({"type": "section", "fields": [{"type": "mrkdwn", "text": "*Host*\ndb-1"},
                                    {"type": "plain_text", "text": "98% < 99%"}]}, "*Host*\ndb-1\n98% &lt; 99%"),
    ({"type": "header", "text": {"type": "plain_text", "text": "Disk full"}}, "Disk full"),
    ({"type": "context", "elements": [{"type": "image", "image_url": "https://x/i.png", "alt_text": "logo"},
                                      {"type": "mrkdwn", "text": "via *Grafana*"},
                                      {"type": "plain_text", "text": "prod"}]}, "via *Grafana* prod"),
    ({"type": "markdown", "text": "a < b & c"}, "a &lt; b &amp; c"),
    ({"type": "image", "image_url": "https://x/p.png", "alt_text": "graph",
      "title": {"type": "plain_text", "text": "Disk usage on db-1"}}, "Disk usage on db-1"),
    ({"type": "video", "video_url": "https://x/v", "thumbnail_url": "https://x/t.png", "alt_text": "v",
      "title": {"type": "plain_text", "text": "Runbook"},
      "description": {"type": "plain_text", "text": "what to do when a disk is full"}},
     "Runbook\nwhat to do when a disk is full"),
    ({"type": "table", "rows": [[{"type": "raw_text", "text": "host"}, {"type": "raw_text", "text": "disk"}],
                                [{"type": "raw_text", "text": "db-1"},
                                 rich(rich_section(text("98%", bold=True)))]]}, "host | disk\ndb-1 | 98%"),
])
def test_every_block_type_that_holds_text_is_gathered(block, expected):
    assert gathered_text({"text": "", "blocks": [block]}) == expected


def test_controls_dividers_and_files_blocks_are_not_content():
    blocks = [{"type": "divider"},
              {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Silence"},
                                                "action_id": "a"}]},
              {"type": "input", "label": {"type": "plain_text", "text": "Reason"}, "element": {"type": "x"}},
              {"type": "file", "external_id": "f", "source": "remote"}]
    assert gathered_text({"text": "", "blocks": blocks}) == ""


def test_rich_text_gives_every_nested_element_in_order():
    block = rich(
        rich_section(text("Disk full", bold=True), text(" on "), {"type": "link", "url": "https://grafana/d/1",
                                                                    "text": "db-1"},
                     text(" "), {"type": "user", "user_id": "U0003"}, text(" "),
                     {"type": "usergroup", "usergroup_id": "S0001"}, text(" "),
                     {"type": "broadcast", "range": "here"}, text(" "), {"type": "channel", "channel_id": "C0001"},
                     text(" "), {"type": "emoji", "name": "fire"}, text(" "),
                     {"type": "date", "timestamp": 1700000000, "format": "{date}", "fallback": "Nov 14"},
                     text(" "), {"type": "color", "value": "#FF0000"}),
        {"type": "rich_text_list", "style": "bullet", "elements": [rich_section(text("db-1")),
                                                                    rich_section(text("db-2"))]},
        {"type": "rich_text_quote", "elements": [text("quoted")]},
        {"type": "rich_text_preformatted", "elements": [text("df -h > /tmp/x")]},
    )
    assert gathered_text({"text": "", "blocks": [block]}).splitlines() == [
        "Disk full on <https://grafana/d/1|db-1> <@U0003> <!subteam^S0001> <!here> <#C0001> :fire: Nov 14 #FF0000",
        "• db-1", "• db-2", "quoted", "df -h &gt; /tmp/x"]


def test_attachments_give_every_part_a_person_reads_and_their_blocks():
    attachment = {"color": "danger", "pretext": "Datadog", "author_name": "Monitor 42", "title": "[ALARM] disk full",
                  "text": "on db-1", "fields": [{"title": "Host", "value": "db-1", "short": True},
                                               {"title": "", "value": "sev 2"}],
                  "blocks": [section("runbook: wiki/disk")], "fallback": "[ALARM] disk full on db-1!",
                  "footer": "Datadog EU"}
    assert gathered_text({"text": "", "attachments": [attachment]}).splitlines() == [
        "Datadog", "Monitor 42", "[ALARM] disk full", "on db-1", "Host: db-1", "sev 2", "runbook: wiki/disk",
        "[ALARM] disk full on db-1!", "Datadog EU"]


def test_a_part_that_only_repeats_what_is_there_is_left_out():
    message = {"text": "disk full on &lt;db-1&gt;", "blocks": [rich(rich_section(text("disk full on <db-1>")))],
               "attachments": [{"title": "[ALARM] disk full", "fallback": "[ALARM] disk full"}]}
    assert gathered_text(message).splitlines() == ["disk full on &lt;db-1&gt;", "[ALARM] disk full"]


def test_what_slack_adds_by_unfurling_a_link_is_not_the_authors_content():
    unfurls = [
        {"from_url": "https://wiki.example.com/db-runbook", "service_name": "Wiki",
         "title": "Runbook: disk full on database hosts", "text": "What to do when a disk is full", "id": 1},
        {"original_url": "https://youtu.be/x", "title": "Disk full explained", "id": 2},
        {"is_app_unfurl": True, "app_unfurl_url": "https://grafana/d/1", "title": "Disk panel", "id": 3},
        {"is_msg_unfurl": True, "text": "disk full, quoted from another channel", "id": 4},
    ]
    message = {"text": "runbook for yesterday: <https://wiki.example.com/db-runbook>", "attachments": unfurls}
    assert gathered_text(message) == "runbook for yesterday: <https://wiki.example.com/db-runbook>"


def test_shared_files_are_named():
    assert gathered_text({"text": "see this", "files": [{"title": "disk-full.log"}]}) == "see this\ndisk-full.log"


def test_real_payloads_are_read():
    bot = fixture("slack/events/event_message_subtype_bot_message.json")["event"]
    assert gathered_text(bot) == bot["text"]
    user = fixture("slack/events/event_message_channels_user.json")["event"]
    assert gathered_text(user).startswith(user["text"])


# ---------------------------------------------------------------------- any JSON, any size: issue 9 item 3
@pytest.mark.parametrize("message", [
    None, 42, "text", [], [{"text": "x"}], {"text": 7}, {"text": None},
    {"blocks": "section"}, {"blocks": [None, 1, "x", [], {"type": None}]},
    {"blocks": [{"type": "section", "text": "plain string", "fields": "x"}]},
    {"blocks": [{"type": "rich_text", "elements": [None, "x", {"type": "text", "text": None}, {"elements": 5}]}]},
    {"blocks": [{"type": "context", "elements": None}, {"type": "table", "rows": [None, "x", [None, 3]]}]},
    {"attachments": "x"}, {"attachments": [None, {"fields": [None, "x", {"title": 3}]}, {"blocks": {"a": 1}}]},
    {"files": [None, {"title": ["x"]}]},
])
def test_any_json_shape_gathers_without_raising(message):
    assert gathered_text(message) in ("", "x")


def test_rich_text_nested_thousands_of_levels_deep_is_read_without_recursion():
    element: dict = text("disk full")
    for _ in range(5_000):
        element = {"type": "rich_text_quote", "elements": [element]}
    assert gathered_text({"blocks": [rich(element)]}) == "disk full"


def test_a_lone_surrogate_becomes_the_replacement_character():
    message = json.loads('{"text": "disk full \\ud800", "blocks": [{"type": "header", "text": '
                         '{"type": "plain_text", "text": "x\\udfff"}}]}')
    gathered = gathered_text(message)
    assert gathered == "disk full \ufffd\nx\ufffd"
    gathered.encode("utf-8")  # valid UTF-8: DynamoDB and Slack take it


def test_a_huge_message_is_cut_with_a_note():
    gathered = gathered_text({"text": "disk full " + "x" * 1_000_000})
    assert gathered.startswith("disk full x") and gathered.endswith(CUT_NOTE)
    assert len(gathered) <= MAX_GATHERED_CHARS


def test_ten_thousand_attachments_are_read_up_to_the_limit():
    attachments = [{"title": f"[FIRING] disk full on db-{n}", "text": f"value {n}"} for n in range(10_000)]
    gathered = gathered_text({"text": "", "attachments": attachments})
    assert gathered.startswith("[FIRING] disk full on db-0\nvalue 0") and gathered.endswith(CUT_NOTE)
    assert len(gathered) <= MAX_GATHERED_CHARS
