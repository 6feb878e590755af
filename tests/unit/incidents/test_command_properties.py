"""Properties of what people type to an incident (hypothesis): any `/incident …` or `@klaxon …` text in a comms
channel - from its lead or anyone - gets an outcome, never an exception, and the answer Slack shows is a
readable line within its limits; whatever it changed, the incident still reads back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaxon.incidents.commanding import run_command
from klaxon.incidents.events import Via
from klaxon.incidents.usage import USAGE
from klaxon.slack.renderers.incidents import answer
from tests.unit.incidents.conftest import declared

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # lone surrogates too
WORDS = st.sampled_from([
    *USAGE, "investigating", "identified", "monitoring", "resolved", "1", "2", "4", "5", "0", "critical",
    "major", "minor", "trivial", "sev1", "<@U0ANN>", "<@U0NOPE|nope>", "@ann", "<!subteam^S0OPS|@ops>", "<!here>",
    "comms", "scribe", "A-1", "A-99", "oncall", "nope", "open", "closed", "last", "30d", "90d", "7d", "-1d",
    "inc-20261129-checkout", "#inc-x", "&lt;script&gt;", "`code`", "*bold*", '"quoted', "https://status.example",
])
TEXT = st.lists(WORDS | ANY_TEXT, max_size=8).map(" ".join) | ANY_TEXT
SHOWN_LIMIT = 40_000  # chat.postEphemeral's text limit (docs.slack.dev/reference/methods/chat.postEphemeral)


@pytest.fixture
def incident(desk):
    return declared(desk, lead="U0LEAD")


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=TEXT, actor=st.sampled_from(["U0LEAD", "U0ANN", "U0REPORTER"]), via=st.sampled_from(list(Via)))
def test_any_text_gets_an_outcome_and_an_answer_slack_can_show(desk, store, clock, incident, text, actor, via):
    outcome = run_command(text, actor, incident.id, via, desk())
    shown = answer(outcome, clock.now())
    assert shown.strip() and len(shown) <= SHOWN_LIMIT
    assert store.incidents.get(incident.id) is not None
