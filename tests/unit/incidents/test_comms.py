"""The comms channel on the fakes: its name past taken ones, once however often asked, and each refusal
told to whoever asked while the steps after it go on."""

from __future__ import annotations

from klaxon.incidents.comms import open_comms_channel
from klaxon.incidents.model import Severity
from klaxon.incidents.naming import MAX_ATTEMPTS
from klaxon.incidents.outcomes import NO_FREE_NAME, Setback, Step
from tests.unit.incidents.conftest import INCIDENTS, declared


def test_a_taken_name_gets_the_next_number(desk, islack):
    islack.taken |= {"inc-20261124-checkout-down", "inc-20261124-checkout-down-2"}
    incident = open_comms_channel(declared(desk).id, "U0ANN", INCIDENTS, desk())
    assert islack.channels[str(incident.comms_channel)][0] == "inc-20261124-checkout-down-3"
    assert ("C0INC1", "U0ANN") in islack.invited and islack.told == []


def test_every_name_taken_is_told(desk, islack):
    islack.taken |= {f"inc-20261124-checkout-down{'' if n == 1 else f'-{n}'}" for n in range(1, MAX_ATTEMPTS + 1)}
    incident = open_comms_channel(declared(desk).id, "U0ANN", INCIDENTS, desk())
    assert incident.comms_channel is None
    assert islack.told == [("U0ANN", INCIDENTS, [Setback(Step.CHANNEL, NO_FREE_NAME, "inc-20261124-checkout-down")])]


def test_a_refused_channel_is_told_and_can_be_asked_for_again(desk, islack):
    incident = declared(desk)
    islack.refusals["create_channel"] = ["restricted_action"]
    assert open_comms_channel(incident.id, "U0ANN", INCIDENTS, desk()).comms_channel is None
    assert islack.told[-1][2] == [Setback(Step.CHANNEL, "restricted_action", "inc-20261124-checkout-down")]
    assert open_comms_channel(incident.id, "U0ANN", INCIDENTS, desk()).comms_channel == "C0INC1"


def test_steps_after_the_channel_go_on_past_refusals_which_are_told_together(desk, islack):
    incident = declared(desk)
    islack.refusals |= {"invite:U0LEAD": "user_is_restricted", "set_topic": "ratelimited", "bookmark_doc":
                        "missing_scope", "welcome": "not_in_channel"}
    opened = open_comms_channel(incident.id, "U0ANN", INCIDENTS, desk())
    assert opened.comms_channel == "C0INC1" and opened.comms_post is None
    assert islack.told == [("U0ANN", INCIDENTS, [
        Setback(Step.INVITE, "user_is_restricted", "U0LEAD"), Setback(Step.TOPIC, "ratelimited"),
        Setback(Step.BOOKMARK, "missing_scope"), Setback(Step.WELCOME, "not_in_channel")])]


def test_asked_twice_or_for_a_closed_incident_nothing_more_is_opened(desk, store, islack):
    incident = declared(desk)
    open_comms_channel(incident.id, "U0ANN", INCIDENTS, desk())
    open_comms_channel(incident.id, "U0BOB", INCIDENTS, desk())
    assert len(islack.channels) == 1
    other = declared(desk, form="V2")
    assert store.claims.claim(f"comms:{other.id}", desk().now)  # another worker is opening it right now
    assert open_comms_channel(other.id, "U0ANN", INCIDENTS, desk()).comms_channel is None
    assert len(islack.channels) == 1


def test_a_severe_or_private_incident_has_one_without_asking(desk):
    assert declared(desk, Severity.MAJOR, form="V1").comms_channel is not None
    assert declared(desk, Severity.TRIVIAL, form="V2", private=True).comms_channel is not None
    assert declared(desk, Severity.MINOR, form="V3").comms_channel is None
