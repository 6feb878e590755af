"""`/klaxon rule test` on a message's link or JSON: the text Klaxon reads, and why a rule does or does not take it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from klaxon.alerts.judging import Identity
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.configuration.model import Configuration
from klaxon.ports import MessageUnavailable
from klaxon.rules import Rule, TimeWindow, import_ims
from klaxon.slack.renderers.commands import describe_change, reply
from tests.fakes import (
    FakeClock,
    FakeDirectory,
    InMemoryAlerts,
    InMemoryConfiguration,
    InMemoryHosts,
    InMemorySilences,
)

INCIDENTS, ALERTS, ASKER = "C0INCIDENT", "C0ALERTS", "U0GUEST"
NOW = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)
MARKDOWN = {"type": "message", "subtype": "bot_message", "bot_id": "B0GRAFANA", "ts": "1795546920.000100",
            "text": "", "blocks": [{"type": "markdown", "block_id": "m1", "text": "**Disk full** on `db-1` (98%)"}]}
LINK = "<https://klaxon-demo.slack.com/archives/C0ALERTS/p1795546920000100>"


class Reader:
    """A MessageReader holding messages by (channel, ts), or refusing as Slack would."""

    def __init__(self, messages: dict[tuple[str, str], dict[str, Any]] | None = None,
                 refusal: MessageUnavailable | None = None) -> None:
        self.messages, self.refusal = messages or {}, refusal
        self.asked: list[tuple[str, str, str | None]] = []

    def read_message(self, channel: str, ts: str, thread_ts: str | None = None) -> dict[str, Any] | None:
        self.asked.append((channel, ts, thread_ts))
        if self.refusal:
            raise self.refusal
        return self.messages.get((channel, ts))


def console(*rules: Rule, reader: Reader | None = None) -> Console:
    return Console(configuration=InMemoryConfiguration(Configuration(version=1, rules=rules)), alerts=InMemoryAlerts(),
                   silences=InMemorySilences(), hosts=InMemoryHosts(), directory=FakeDirectory(),
                   clock=FakeClock(NOW),
                   me=Identity("U0KLAXON", "B0K", INCIDENTS),
                   admin_users=frozenset(), messages=reader, describe=describe_change)


def answer_to(text: str, on: Console) -> str:
    return reply(run_command(Invocation(text=f"rule test {text}", actor=ASKER, channel=ALERTS), on)).text


DISK = Rule.create(pattern="/disk full/i", target_channel=INCIDENTS, label="[Disk]")


def test_a_linked_message_is_read_and_its_gathered_text_shown():
    reader = Reader({(ALERTS, "1795546920.000100"): MARKDOWN})
    answer = answer_to(LINK, console(DISK, reader=reader))
    assert reader.asked == [(ALERTS, "1795546920.000100", None)]
    assert ">**Disk full** on `db-1` (98%)" in answer and "would be reposted to <#C0INCIDENT>" in answer


def test_a_thread_reply_is_read_from_its_thread():
    reply = {**MARKDOWN, "ts": "1795546980.000200", "thread_ts": "1795546920.000100"}
    reader = Reader({(ALERTS, "1795546980.000200"): reply})
    link = "<https://x.slack.com/archives/C0ALERTS/p1795546980000200?thread_ts=1795546920.000100&amp;cid=C0ALERTS>"
    assert "would be reposted" in answer_to(link, console(DISK, reader=reader))
    assert reader.asked == [(ALERTS, "1795546980.000200", "1795546920.000100")]


def test_a_linked_message_is_judged_at_the_time_it_was_posted():
    closed_by_now = replace(DISK, window=TimeWindow.parse("daily 18:06-19:06 UTC"))  # posted 19:02, asked 19:30
    answer = answer_to(LINK, console(closed_by_now, reader=Reader({(ALERTS, "1795546920.000100"): MARKDOWN})))
    assert "would be reposted" in answer and "at the time it was posted" in answer


@pytest.mark.parametrize("refusal, words", [
    (MessageUnavailable("not_in_channel"), "Klaxon is not in <#C0ALERTS>"),
    (MessageUnavailable("channel_not_found"), "Klaxon cannot see <#C0ALERTS>"),
    (MessageUnavailable("ratelimited", retry_after=42), "try again in 42 s"),
    (MessageUnavailable("missing_scope"), "channels:history"),
    (MessageUnavailable("fatal_error"), "(fatal_error); paste its JSON instead"),
])
def test_slacks_refusals_get_an_answer_the_person_can_act_on(refusal, words):
    answer = answer_to(LINK, console(DISK, reader=Reader(refusal=refusal)))
    assert answer.startswith(":warning:") and words in answer


def test_a_link_to_no_message_says_so():
    assert "there is no message at" in answer_to(LINK, console(DISK, reader=Reader()))


@pytest.mark.parametrize("pasted", [
    MARKDOWN,
    {"type": "event_callback", "event_id": "Ev1", "event": {**MARKDOWN, "channel": "C0OTHER"}},
    {"type": "message", "subtype": "message_changed", "channel": "C0X", "message": MARKDOWN,
     "previous_message": {"text": ""}},
])
def test_a_pasted_message_event_or_envelope_is_read_as_slack_sends_it(pasted):
    answer = answer_to(json.dumps(pasted), console(DISK))
    assert ">**Disk full** on `db-1` (98%)" in answer and "would be reposted" in answer


def test_pasted_json_arrives_escaped_as_slack_escapes_command_text():
    pasted = json.dumps({"text": "<!here> disk full &amp; more"}).replace("&", "&amp;").replace("<", "&lt;") \
        .replace(">", "&gt;")
    answer = answer_to(pasted, console(DISK))
    assert ">@here disk full &amp; more" in answer and "would be reposted" in answer


@pytest.mark.parametrize("pasted, words", [
    ('{"text": "disk full"', "not valid JSON"),
    ('{"type": "reaction_added"}', "not a Slack message"),
])
def test_a_paste_that_is_not_a_message_is_refused(pasted, words):
    assert words in answer_to(pasted, console(DISK))


def test_an_imported_ims_rule_is_tested_as_it_matches():
    ims = import_ims('[Rules]\n"color":"danger"\t.*\tCRIT\n[Incidents]\nCRIT\tC0123\t[Critical]\t20\n')
    pasted = {"text": "", "attachments": [{"color": "danger", "title": "[FIRING:1] HighLatency"}]}
    answer = answer_to(json.dumps(pasted), console(*ims.rules))
    assert ">[FIRING:1] HighLatency" in answer and "would be reposted to <#C0123> [Critical]" in answer


def test_typed_text_is_still_tested_as_if_posted_now():
    answer = answer_to("Disk full on db-1", console(DISK))
    assert "as if you posted it in <#C0ALERTS> now" in answer and ">Disk full on db-1" in answer
