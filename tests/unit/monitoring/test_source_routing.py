"""Where a monitoring source's alerts go and whom they page when no rule takes them (`settings source-channel`,
`settings source-policy`), on the fakes wired as the functions wire them; the page starts from the sweep
through the one page-start function, as a rule's does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klaxon.configuration.as_code import export_yaml, import_yaml
from klaxon.configuration.model import InsufficientData
from klaxon.events import LevelNotified, PageStarted
from klaxon.paging.policies import PageState, alert_page_id
from tests.desk import INCIDENTS, MONITORING, PAYMENTS, T0, Desk


class RoutingDesk(Desk):
    def ok(self, text: str) -> str:
        answer = self.klaxon(text)
        assert answer.ok, answer.text
        return answer.text

    def fire(self, source: str = "gcp", title: str = "uptime check failing", key: str = "incident-1"):
        (taken,) = self.webhook(self.event(source, key, title=title))
        return taken.alert


@pytest.fixture
def desk() -> RoutingDesk:
    return RoutingDesk()


def test_a_source_s_own_channel_takes_its_alerts_that_no_rule_takes(desk):
    assert "source-channel is now gcp <#C0MONITOR>" in desk.ok(
        "settings source-channel gcp #monitoring")
    assert desk.fire("gcp").target_channel == MONITORING
    assert desk.fire("generic", key="g-1").target_channel == INCIDENTS, "the others still go to the incidents channel"
    desk.ok("settings source-channel gcp default")
    assert desk.fire("gcp", key="incident-2").target_channel == INCIDENTS


def test_a_rule_still_wins_over_the_source_s_channel(desk):
    desk.ok("settings source-channel gcp #monitoring")
    desk.ok("rule add /checkout/ to #payments from webhook:gcp")
    assert desk.fire("gcp", title="checkout uptime failing").target_channel == PAYMENTS


def test_a_source_s_policy_pages_through_the_sweep_when_nobody_acknowledges_in_time(desk):
    desk.ok("policy set db level @bob after 5m")
    desk.ok("settings source-policy gcp db ack-timeout 2m")
    alert = desk.fire("gcp")
    assert alert.policy == "db" and alert.escalate_at == T0 + timedelta(minutes=2)
    assert desk.fire("generic", key="g-1").escalate_at is None, "other sources page nobody"

    desk.clock.advance(minutes=1)
    desk.sweep()
    assert desk.slack.pages_sent == []
    desk.clock.advance(minutes=1)
    desk.sweep()
    assert desk.slack.pages_sent == [("U0BOB", alert_page_id(alert.id), 0)]
    assert [type(event) for event in desk.published] == [LevelNotified, PageStarted]
    assert desk.store.pages.get(alert_page_id(alert.id)).state is PageState.ACTIVE


def test_without_an_ack_timeout_a_source_pages_after_the_rules_default(desk):
    desk.ok("policy set db level @bob")
    desk.ok("settings source-policy gcp db")
    assert desk.fire("gcp").escalate_at == T0 + timedelta(minutes=5)
    desk.ok("settings source-policy gcp none")
    assert desk.fire("gcp", key="incident-2").escalate_at is None


def test_a_source_policy_must_exist_and_a_policy_in_use_by_a_source_is_kept(desk):
    desk.refused("settings source-policy gcp nope", "there is no escalation policy `nope`")
    desk.ok("policy set db level @bob")
    desk.ok("settings source-policy alertmanager db")
    desk.refused("policy remove db", "in use by source `alertmanager`")


@pytest.mark.parametrize(("text", "problem"), [
    ("settings source-channel nagios #monitoring", 'unknown monitoring source "nagios"'),
    ("settings source-channel gcp", "a channel is missing"),
    ("settings source-policy gcp db ack-timeout", "ack-timeout needs a duration"),
    ("settings insufficient-data maybe", 'unknown meaning of insufficient data "maybe"'),
    ("settings host-board", "host-board takes the channels"),
    ("settings host-board-every 2d", "between 1s and 86400s"),
])
def test_bad_source_and_board_settings_are_refused_naming_the_problem(desk, text, problem):
    desk.refused(text, problem)
    assert desk.store.configuration.snapshot.version == 0


def test_the_settings_show_each_source_s_route_the_board_and_missing_data(desk):
    desk.ok("policy set db level @bob")
    desk.ok("settings source-channel gcp #monitoring")
    desk.ok("settings source-policy gcp db ack-timeout 2m")
    desk.ok("settings insufficient-data fire")
    desk.ok("settings host-board #hosts")
    desk.ok("settings host-board-every 10m")
    shown = desk.ok("settings")
    assert "webhook alerts without a rule go to: gcp <#C0MONITOR>, the rest to the default incidents channel" in shown
    assert "webhook alerts without a rule page: gcp policy `db` after 2m" in shown
    assert "CloudWatch alarms with insufficient data: fire" in shown
    assert "host board: <#C0HOSTS>, redrawn every 10m" in shown
    preferences = desk.store.configuration.snapshot.preferences
    assert preferences.insufficient_data is InsufficientData.FIRE
    assert import_yaml(export_yaml(desk.store.configuration.snapshot)).preferences == preferences, \
        "rules as code keep them"
