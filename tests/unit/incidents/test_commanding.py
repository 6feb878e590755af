"""Each command said in a comms channel, on the fakes: what it changes or answers, and what it refuses."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from klaxon.incidents.commanding import run_command
from klaxon.incidents.events import Via
from klaxon.incidents.model import ActionState, Severity, Status
from klaxon.incidents.outcomes import (
    NO_POLICY,
    ActionsShown,
    DocShown,
    Done,
    DurationShown,
    FieldShown,
    HelpShown,
    Refused,
    Setback,
    Step,
    TimelineShown,
)
from klaxon.ports import Person
from klaxon.web.links import LinkSigner
from tests.fakes import BASE_URL, LINK_KEY, FakeDirectory
from tests.unit.incidents.conftest import PAGED, declared

SAM = Person(id="U0SAM", name="sam")


@pytest.fixture
def incident(desk):
    return declared(desk, Severity.MAJOR)


def say(desk, incident, text, actor="U0LEAD", via=Via.MENTION, **options):
    return run_command(text, actor, incident.id, via, desk(**options))


def current(store, incident):
    found = store.incidents.get(incident.id)
    assert found is not None
    return found


def test_lead_is_the_speaker_or_someone_named_by_markup_or_typed_name(desk, store, incident, clock):
    clock.advance(minutes=2)
    assert isinstance(say(desk, incident, "lead", actor="U0ANN"), Done)
    assert (current(store, incident).lead, current(store, incident).lead_since) == ("U0ANN", clock.now())
    say(desk, incident, "lead @sam", directory=FakeDirectory(persons={"sam": SAM}))
    assert current(store, incident).lead == "U0SAM"
    refused = say(desk, incident, "lead @nobody", directory=FakeDirectory())
    assert refused == Refused("there is nobody called @nobody in this workspace")


def test_roles_severity_summary_and_impact(desk, store, incident):
    say(desk, incident, "role Comms <@U0COM>")
    say(desk, incident, "severity minor")
    say(desk, incident, "summary checkout &amp; cart are down")
    say(desk, incident, "impact 20% of EU orders")
    changed = current(store, incident)
    assert (dict(changed.roles), changed.severity) == ({"comms": "U0COM"}, Severity.MINOR)
    assert (changed.summary, changed.impact) == ("checkout &amp; cart are down", "20% of EU orders")
    assert say(desk, incident, "summary") == FieldShown(changed, "summary")
    texts = [e.text for e in store.incidents.timeline(incident.id)]
    assert {"role comms <@U0COM>", "severity SEV3 minor", "summary: checkout &amp; cart are down",
            "impact: 20% of EU orders"} <= set(texts)


def test_status_update_resolve_and_close_through_the_lifecycle(desk, store, incident):
    say(desk, incident, "status monitoring fix is out")
    say(desk, incident, "update error rate back to normal")
    assert current(store, incident).latest_update == "error rate back to normal"
    say(desk, incident, "resolve")
    assert say(desk, incident, "status resolved") == Refused("the incident is already resolved")
    say(desk, incident, "close")
    closed = current(store, incident)
    assert [change.status for change in closed.history] == [Status.MONITORING, Status.RESOLVED, Status.CLOSED]


def test_actions_get_owners_and_are_done_and_listed(desk, store, incident):
    say(desk, incident, "action add a queue depth alert <@U0OWN>")
    say(desk, incident, "action write the runbook")
    say(desk, incident, "done a1", actor="U0OWN")
    shown = say(desk, incident, "actions")
    assert isinstance(shown, ActionsShown)
    assert [(a.id, a.owner, a.state) for a in shown.incident.actions] == [
        ("a1", "U0OWN", ActionState.DONE), ("a2", None, ActionState.OPEN)]
    assert say(desk, incident, "done a9") == Refused("there is no action `a9`; `actions` lists them")


def test_an_action_too_long_is_refused_whole_not_cut(desk, store, incident):
    """An action was silently cut to 500 characters (inside a link's markup, even): now it is refused, saying
    the limit, and nothing is written; the limit counts characters as typed (`&amp;` is one)."""
    version = current(store, incident).version
    assert say(desk, incident, "action " + "x" * 501) == Refused(
        "an action is at most 500 characters (501 now); say the rest in an `update`")
    assert current(store, incident).version == version and current(store, incident).actions == ()
    typed = "&amp;" * 500
    say(desk, incident, f"action {typed}")
    assert [a.text for a in current(store, incident).actions] == [typed]


def test_questions_change_nothing(desk, store, incident, clock):
    clock.advance(minutes=75)
    version = current(store, incident).version
    assert say(desk, incident, "help") == HelpShown()
    assert say(desk, incident, "duration") == DurationShown(current(store, incident), clock.now())
    doc = say(desk, incident, "doc")
    assert isinstance(doc, DocShown) and doc.link and doc.link.startswith(f"{BASE_URL}/incidents/{incident.id}?t=")
    signer = LinkSigner(LINK_KEY, BASE_URL)
    token = parse_qs(urlsplit(doc.link).query)["t"][0]
    assert signer.opens_incident(token, incident.id, clock.now()) == clock.now() + timedelta(days=7)
    timeline = say(desk, incident, "timeline")
    assert isinstance(timeline, TimelineShown) and timeline.entries[0].text.startswith("declared (SEV2 major)")
    assert current(store, incident).version == version


def test_page_pages_the_named_policy_once_per_request_and_refuses_an_unknown_one(desk, slack, incident):
    assert say(desk, incident, "page nosuch") == Refused(setback=Setback(Step.PAGE, NO_POLICY, "nosuch"))
    assert isinstance(say(desk, incident, "page oncall"), Done)
    assert isinstance(say(desk, incident, "page"), Done)
    pages = [page_id for person, page_id, _ in slack.pages_sent if person == PAGED]
    assert len(set(pages)) == len(pages) == 3, "the automatic page, then one per request"


def test_rename_makes_the_name_valid_and_a_taken_name_is_refused(desk, store, islack, incident):
    assert isinstance(say(desk, incident, "rename #Checkout Outage"), Done)
    assert islack.channels[str(current(store, incident).comms_channel)][0] == "checkout-outage"
    islack.taken.add("taken")
    assert say(desk, incident, "rename taken") == Refused(setback=Setback(Step.RENAME, "name_taken", "taken"))


def test_what_is_not_a_command_is_refused_with_what_is(desk, incident):
    refused = say(desk, incident, "reboot the world")
    assert isinstance(refused, Refused) and "I don't know `reboot`" in refused.problem
