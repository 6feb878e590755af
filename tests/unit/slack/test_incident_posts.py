"""How incidents look in Slack: the headline post's facts and buttons by state, a private incident's, the
topic within Slack's limit, what the channel is told, reminders and setbacks in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klaxon.incidents.events import IncidentChanged, Via
from klaxon.incidents.history import History, HistoryQuery, by_window
from klaxon.incidents.model import Incident, Severity, Status
from klaxon.incidents.outcomes import NO_POLICY, DocShown, HelpShown, HistoryShown, Refused, Setback, Step
from klaxon.incidents.reminders import Reminder, ReminderKind
from klaxon.incidents.timeline import EntryKind, TimelineEntry
from klaxon.slack.actions import ActionId
from klaxon.slack.renderers.incidents import (
    ANSWER_LIMIT,
    HISTORY_SHOWN,
    TOPIC_LIMIT,
    announcement,
    answer,
    headline_blocks,
    headline_fallback,
    postmortem_request,
    reminder_text,
    setback_text,
    topic,
    welcome_text,
)

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
DOC = "https://klaxon.example/incidents/20261129-ab12cd34"


def incident(**fields: object) -> Incident:
    values: dict[str, object] = {"id": "20261129-ab12cd34", "summary": "checkout &lt;EU&gt; down <!here>",
                                 "severity": Severity.CRITICAL, "reporter": "U0REP", "lead": "U0LEAD",
                                 "declared_at": T0, "headline": ("C0INC", "1.0")}
    return Incident(**{**values, **fields})  # type: ignore[arg-type]


def rendered(subject: Incident, doc: str | None = DOC) -> list[dict]:
    return [block.to_dict() for block in headline_blocks(subject, doc, T0 + timedelta(minutes=42))]


def texts(node: object) -> list[str]:
    """Every text a block kit structure shows, depth first."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [text for key, value in node.items() if key != "text" or not isinstance(value, str)
                      for text in texts(value)]
    return [text for item in node for text in texts(item)] if isinstance(node, list) else []


def actions(subject: Incident, doc: str | None = DOC) -> list[str]:
    found = [b for b in rendered(subject, doc) if b["block_id"] == "incident.actions"]
    return [element["action_id"] for element in found[0]["elements"]] if found else []


def test_the_headline_says_what_how_bad_who_since_when_and_where_without_notifying_anyone():
    text = "\n".join(texts(rendered(incident(comms_channel="C0COMMS", roles={"comms": "U0COM"},
                                              impact="EU orders fail"))))
    assert ":red_circle: *SEV1 critical* · checkout &lt;EU&gt; down @here" in text, "a broadcast written is shown"
    for fact in ("Investigating since", "<@U0LEAD>", "<@U0REP>", "42m so far", "<#C0COMMS>", "comms: <@U0COM>",
                 "*Impact*\nEU orders fail", f"<{DOC}|Incident doc>"):
        assert fact in text
    assert "<!here>" not in text + headline_fallback(incident())


@pytest.mark.parametrize(("state", "buttons"), [
    ({}, [ActionId.OPEN_COMMS_CHANNEL, ActionId.EDIT_INCIDENT, ActionId.CHANGE_STATUS, ActionId.RESOLVE_INCIDENT,
          ActionId.OPEN_DOC]),
    ({"comms_channel": "C0COMMS"}, [ActionId.EDIT_INCIDENT, ActionId.CHANGE_STATUS, ActionId.RESOLVE_INCIDENT,
                                     ActionId.OPEN_DOC]),
    ({"status": Status.RESOLVED, "comms_channel": "C0COMMS"}, [ActionId.EDIT_INCIDENT, ActionId.CHANGE_STATUS,
                                                                ActionId.CLOSE_INCIDENT, ActionId.OPEN_DOC]),
    ({"status": Status.CLOSED}, []),
])
def test_buttons_that_no_longer_apply_are_gone(state, buttons):
    assert actions(incident(**state)) == buttons


def test_without_a_public_address_there_is_no_doc_link_or_button():
    assert ActionId.OPEN_DOC not in actions(incident(), doc=None)
    assert "Incident doc" not in str(rendered(incident(), doc=None))


def test_a_private_incidents_headline_says_only_that_it_exists_and_who_leads_it():
    shown = str(rendered(incident(private=True))) + headline_fallback(incident(private=True))
    assert "checkout" not in shown and "SEV1" not in shown and "<@U0LEAD> leads it" in shown
    assert "Nobody leads it yet" in str(rendered(incident(private=True, lead=None)))


def test_the_topic_fits_slacks_limit_and_leaves_the_expiring_doc_link_to_the_bookmark():
    long = incident(summary="x" * 300)
    assert len(topic(long)) <= TOPIC_LIMIT and topic(long).startswith("SEV1 critical: xxx")
    assert "http" not in topic(long)


def test_the_history_lists_the_newest_within_slacks_limits_and_keeps_private_incidents_private():
    many = [incident(id=f"20261129-{n:08x}", summary=f"outage {n} <!here> " + "y" * 200, lead="U0LEAD",
                     declared_at=T0 - timedelta(hours=n)) for n in range(40)]
    many[1] = replace(many[1], private=True, summary="payroll leak")
    now = T0 + timedelta(hours=1)
    shown = History(HistoryQuery(), tuple(many), tuple(by_window(many, now)), now)
    text = answer(HistoryShown(shown, "https://k.example/incidents?t=abc"), now)
    lines = text.splitlines()
    assert len(text) <= ANSWER_LIMIT and lines[0] == "*Incidents declared in the last 30d: 40*"
    assert len([line for line in lines if "`20261129-" in line]) == HISTORY_SHOWN
    assert "payroll" not in text and ":lock: a private incident" in lines[2]
    assert "<!here>" not in text and "@here" in lines[1] and "…" in lines[1], "quieted and cut"
    assert "…and 25 more on the list page." in lines
    assert "*Response times* · last 30 days: 40 incidents, MTTA -, MTTR - (40 unresolved) · last 90 days" in text
    assert lines[-1].startswith(":page_facing_up: <https://k.example/incidents?t=abc|The incident list>")


def test_without_links_the_answers_say_why_there_is_none():
    now = T0 + timedelta(hours=1)
    assert "no link key or public address" in answer(DocShown(incident(), None), now)
    assert "no link key" in answer(HistoryShown(History(HistoryQuery(), (), (), now), None), now)
    assert "works for 7d" in answer(DocShown(incident(), DOC), now)


def test_the_postmortem_request_says_how_to_get_a_draft():
    closed = incident(comms_channel="C0INC1")
    assert "`@klaxon postmortem` in <#C0INC1> posts a draft" in postmortem_request(closed, DOC)
    assert "@klaxon postmortem" not in postmortem_request(incident(), DOC)


def test_the_channel_is_told_a_status_move_with_its_note_and_other_changes_by_what_changed():
    before = incident(comms_channel="C0COMMS")
    moved = before.with_status(Status.MONITORING, "U0LEAD", T0, "rollback out")
    entry = TimelineEntry("i", "k", T0, EntryKind.FIELD, "U0LEAD", "severity SEV2 major")
    assert announcement(IncidentChanged(before, moved, "U0LEAD", T0, Via.MENTION, ())) == \
        ":eyes: <@U0LEAD> set the status to *monitoring*: rollback out"
    assert announcement(IncidentChanged(before, replace(before, severity=Severity.MAJOR), "U0ANN", T0, Via.HEADLINE,
                                        (entry,))) == ":pencil2: <@U0ANN> changed from the headline post: severity " \
                                                      "SEV2 major"


@pytest.mark.parametrize(("kind", "where", "words"), [
    (ReminderKind.NO_LEAD, "C0COMMS", "`@klaxon lead`"), (ReminderKind.NO_LEAD, None, "the headline post's buttons"),
    (ReminderKind.NO_UPDATE, "C0COMMS", "No update for 2h"), (ReminderKind.BREAK, "C0COMMS", "<@U0LEAD>, you have led"),
    (ReminderKind.CLOSE, "C0COMMS", "open for 2h"),
])
def test_reminders_say_what_to_do_where_they_are_posted(kind, where, words):
    subject = incident(comms_channel=where, lead_since=T0)
    assert words in reminder_text(subject, Reminder(kind, subject.id, "slot", 1), T0 + timedelta(hours=2))


@pytest.mark.parametrize(("setback", "words"), [
    (Setback(Step.CHANNEL, "restricted_action", "inc-x"), "lets only some members do that"),
    (Setback(Step.CHANNEL, "ratelimited", "inc-x"), "Try again in a minute"),
    (Setback(Step.HEADLINE, "not_in_channel", "C0INC"), "not a member of <#C0INC>"),
    (Setback(Step.INVITE, "user_is_restricted", "U0BOB"), "could not invite <@U0BOB>"),
    (Setback(Step.PAGE, NO_POLICY), "has no escalation policy and there is no default"),
    (Setback(Step.PAGE, NO_POLICY, "payments"), "there is no escalation policy `payments`"),
    (Setback(Step.RENAME, "name_taken", "ops"), "rename the channel to #ops: the name is taken"),
    (Setback(Step.BOOKMARK, "something_new"), "Slack refused (`something_new`)"),
])
def test_every_setback_says_what_could_not_be_done_and_why(setback, words):
    assert words in setback_text(setback)


def test_usage_placeholders_in_answers_are_shown_as_typed_and_slacks_markup_keeps_working():
    helped = answer(HelpShown(), T0)
    assert "`status &lt;investigating | identified | monitoring | resolved&gt; [note]`" in helped
    refused = answer(Refused("usage: `update <text>`; <@U0LEAD> already leads"), T0)
    assert refused == ":warning: usage: `update &lt;text&gt;`; <@U0LEAD> already leads"
    assert "&lt;command&gt;" in welcome_text(incident(comms_channel="C0COMMS"), DOC)
