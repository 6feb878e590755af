"""Declaring: one incident per form however often it comes, its headline post once, and for severity 1-2
or a private incident its comms channel and a page - each done once, each refusal told to the reporter."""

from __future__ import annotations

from klaxon.alerts.model import Alert, SlackMessageOrigin
from klaxon.configuration.model import Configuration
from klaxon.incidents.declaring import Declaration, declare, incident_id
from klaxon.incidents.model import Severity
from klaxon.incidents.outcomes import ALERT_TAKEN, NO_POLICY, Setback, Step
from tests.fakes import signed_links
from tests.unit.incidents.conftest import INCIDENTS, OPS, PAGED, declared, preferences


def test_a_form_declares_once_with_one_headline_post_however_often_it_is_submitted(desk, store, islack, clock):
    first = declared(desk)
    clock.advance(seconds=3)
    second = declared(desk)
    assert first.id == second.id == incident_id("V1", clock.now())
    (stored,) = store.incidents.incidents.values()
    assert stored.headline == (INCIDENTS, "1800000400.000001")
    assert islack.headline_draws == [first.id], "posted once, and nothing changed to redraw"
    assert [entry.text for entry in store.incidents.timeline(first.id)] == ["declared (SEV3 minor): checkout is down"]


def test_without_an_incidents_channel_the_headline_goes_where_it_was_declared(desk, store):
    incident = declare(Declaration(summary="x", reporter="U0R", form="V2", channel=OPS),
                       desk(incidents_channel=None)).incident
    assert incident is not None and incident.headline is not None and incident.headline[0] == OPS


def test_severity_one_gets_its_comms_channel_and_pages_the_policy_from_that_channel(desk, store, slack, islack,
                                                                                    clock):
    incident = declared(desk, Severity.CRITICAL)
    assert incident.comms_channel == "C0INC1" and islack.channels["C0INC1"] == ("inc-20261124-checkout-down", False)
    assert set(islack.invited) == {("C0INC1", "U0REPORTER"), ("C0INC1", "U0LEAD")}
    assert islack.topics["C0INC1"] == "checkout is down" and islack.bookmarks == [
        ("C0INC1", signed_links(clock).doc_url(incident))]  # a signed link that expires
    assert slack.pages_sent == [(PAGED, f"incident/{incident.id}/severity", 0)]
    page = store.pages.get(f"incident/{incident.id}/severity")
    assert page is not None and (page.channel, page.ts) == ("C0INC1", incident.comms_post)
    assert incident.page_ids == (page.id,)


def test_a_private_incident_always_gets_a_private_channel(desk, islack):
    incident = declared(desk, Severity.TRIVIAL, private=True)
    assert islack.channels[str(incident.comms_channel)][1] is True


def test_the_paging_severity_is_a_setting(desk, slack):
    declared(desk, Severity.MAJOR, form="V1", config=preferences(incident_paging_severity=1))
    assert slack.pages_sent == []
    declared(desk, Severity.MINOR, form="V2", config=preferences(incident_paging_severity=3))
    assert len(slack.pages_sent) == 1
    declared(desk, Severity.CRITICAL, form="V3", config=preferences(incident_paging_severity=None))
    assert len(slack.pages_sent) == 1


def test_nobody_to_page_is_told_to_the_reporter(desk, islack):
    declared(desk, Severity.CRITICAL, config=Configuration())
    assert islack.told[-1] == ("U0REPORTER", OPS, [Setback(Step.PAGE, NO_POLICY)])


def test_a_headline_slack_refused_is_told_and_a_retry_posts_it(desk, store, islack):
    islack.refusals["post_headline"] = ["channel_not_found"]
    incident = declared(desk)
    assert incident.headline is None
    assert islack.told == [("U0REPORTER", OPS, [Setback(Step.HEADLINE, "channel_not_found", INCIDENTS)])]
    again = declared(desk)  # Lambda's retry of the same submission
    assert again.headline is not None and len(islack.headline_draws) == 1


def test_declared_from_an_alert_it_names_it_acknowledges_it_and_an_alert_has_one_incident(desk, store, slack,
                                                                                         islack, clock):
    alert = Alert(id="C0ALERTS/1.0", origin=SlackMessageOrigin("C0ALERTS", "1.0", "B0DD"), text="disk 97%",
                  label="[Disk]", target_channel=INCIDENTS, fingerprint="f", first_seen=clock.now(), post_ts="2.0")
    store.alerts.alerts[alert.id] = alert
    first = declare(Declaration(summary="disk", reporter="U0BOB", form="V1", alert_id=alert.id, channel=INCIDENTS),
                    desk()).incident
    assert first is not None and first.alert_ids == (alert.id,)
    acknowledged = store.alerts.get(alert.id)
    assert acknowledged is not None and acknowledged.acknowledged_by is not None
    assert acknowledged.acknowledged_by.user == "U0BOB"
    second = declare(Declaration(summary="disk again", reporter="U0ANN", form="V2", alert_id=alert.id,
                                 channel=INCIDENTS), desk())
    assert second.incident is None and second.taken_by == first.id
    assert islack.told[-1] == ("U0ANN", INCIDENTS, [Setback(Step.DECLARE, ALERT_TAKEN, first.id)])
    assert len(store.incidents.incidents) == 1
