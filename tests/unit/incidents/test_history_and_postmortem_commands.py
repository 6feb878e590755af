"""`list [open|closed] [last 30d]` and `postmortem` on the fakes: what they show, post and refuse; and the doc
gathered with the alerts and pages an incident links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.incidents.commanding import list_incidents, run_command
from klaxon.incidents.doc import read_doc
from klaxon.incidents.events import Via
from klaxon.incidents.history import DEFAULT_SPAN, HistoryQuery, Standing, parse_history_query
from klaxon.incidents.model import IncidentError, Severity
from klaxon.incidents.outcomes import HistoryShown, PostmortemShared, Refused, Setback, Step
from klaxon.ports import Person
from tests.fakes import BASE_URL, FakeDirectory
from tests.unit.incidents.conftest import declared


@pytest.mark.parametrize(("words", "query"), [
    ("", HistoryQuery()),
    ("open", HistoryQuery(Standing.OPEN)),
    ("closed", HistoryQuery(Standing.CLOSED)),
    ("OPEN last 7d", HistoryQuery(Standing.OPEN, timedelta(days=7))),
    ("last 30d", HistoryQuery(span=timedelta(days=30))),
    ("closed last 90d", HistoryQuery(Standing.CLOSED, timedelta(days=90))),
    ("last 12h", HistoryQuery(span=timedelta(hours=12))),
])
def test_the_history_grammar(words, query):
    assert parse_history_query(words) == query
    assert DEFAULT_SPAN == timedelta(days=30)


@pytest.mark.parametrize(("words", "problem"), [
    ("sometimes", "`sometimes` is not understood here: `list [open|closed] [last 30d]`"),
    ("last", "`last` is not understood here"),
    ("last 30", "needs a unit"),
    ("last 0d", "is zero"),
    ("last 400d", "longer than the limit of 366d"),
    ("open closed", "`closed` is not understood here"),
    ("last 7d open", "`last 7d open` is not understood here"),
])
def test_what_the_history_grammar_refuses_it_names(words, problem):
    with pytest.raises(IncidentError, match=problem.replace("[", r"\[").replace("|", r"\|")):
        parse_history_query(words)


def test_list_shows_open_or_closed_incidents_of_the_span_and_both_windows_figures(desk, clock):
    old = declared(desk, Severity.MINOR, form="V-old", summary="old outage")
    run_command("resolve", "U0LEAD", old.id, Via.MENTION, desk())
    clock.advance(days=40)
    recent = declared(desk, Severity.MAJOR, form="V-new", summary="new outage")
    clock.advance(minutes=30)
    shown = list_incidents("", desk())
    assert isinstance(shown, HistoryShown) and [i.id for i in shown.history.incidents] == [recent.id]
    assert shown.link is not None and shown.link.startswith(f"{BASE_URL}/incidents?t=")
    thirty, ninety = shown.history.windows
    assert (thirty.overall.count, ninety.overall.count, ninety.overall.unresolved) == (1, 2, 1)
    assert [i.id for i in list_incidents("closed last 90d", desk()).history.incidents] == [old.id]  # type: ignore[union-attr]
    assert [i.id for i in list_incidents("open last 90d", desk()).history.incidents] == [recent.id]  # type: ignore[union-attr]
    assert list_incidents("last 1h open", desk()) == Refused(
        "`last 1h open` is not understood here: `list [open|closed] [last 30d]`, e.g. `list open` or "
        "`list closed last 90d`")


def test_list_is_also_a_command_in_a_comms_channel(desk):
    incident = declared(desk, Severity.CRITICAL)
    shown = run_command("list open", "U0LEAD", incident.id, Via.MENTION, desk())
    assert isinstance(shown, HistoryShown) and [i.id for i in shown.history.incidents] == [incident.id]


def test_postmortem_posts_the_draft_with_names_to_the_comms_channel(desk, islack):
    incident = declared(desk, Severity.CRITICAL)
    directory = FakeDirectory(persons={"lea": Person(id="U0LEAD", name="Lea Lead")})
    run_command("update rolled back <@U0LEAD>'s deploy", "U0LEAD", incident.id, Via.MENTION, desk())
    outcome = run_command("postmortem", "U0REPORTER", incident.id, Via.MENTION, desk(directory=directory))
    assert isinstance(outcome, PostmortemShared) and outcome.channel == "C0INC1"
    ((incident_id, channel, draft, by),) = islack.postmortem_files
    assert (incident_id, channel, by) == (incident.id, "C0INC1", "U0REPORTER")
    assert "- Lead: Lea Lead" in draft and "rolled back @Lea Lead's deploy" in draft


def test_postmortem_refused_by_slack_is_told_as_a_setback(desk, islack):
    incident = declared(desk, Severity.CRITICAL)
    islack.refusals["share_postmortem"] = "missing_scope"
    outcome = run_command("postmortem", "U0LEAD", incident.id, Via.SLASH, desk())
    assert outcome == Refused(setback=Setback(Step.POSTMORTEM, "missing_scope", "C0INC1"))
    assert islack.postmortem_files == []


def test_postmortem_without_a_comms_channel_says_so(desk):
    incident = declared(desk, Severity.MINOR)  # severity 3: no comms channel until someone asks for one
    assert run_command("postmortem", "U0LEAD", incident.id, Via.MENTION, desk()) == Refused(
        "the incident has no comms channel to post its postmortem to")


def test_the_doc_gathers_the_record_and_the_pages_the_incident_started(desk, store):
    incident = declared(desk, Severity.CRITICAL)
    doc = read_doc(incident.id, store.incidents, store.alerts, store.pages)
    assert doc is not None and doc.record.incident == store.incidents.get(incident.id)
    (page,) = doc.pages
    assert (page.policy, page.state, page.acknowledged_by) == ("oncall", "active", None)
    assert doc.alerts == () and doc.participation[0][0] == "U0REPORTER"
    assert read_doc("20200101-00000000", store.incidents, store.alerts, store.pages) is None
