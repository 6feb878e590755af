"""The doctor on the fakes: an installation against what its configuration and deployment need - the token and
its scopes, every channel Klaxon must be in and why, the settings, each webhook source - and, for each
problem, what to do. `/klaxon doctor` is for admins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from klaxon.configuration.model import Configuration, Preferences
from klaxon.doctor.checkup import Deployment, Need, Presence, Use, channel_needs, examine
from klaxon.doctor.ports import ChannelFacts
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.rules import ChannelDefault, Rule
from klaxon.slack.renderers.doctor import checkup_text
from klaxon.slack.scopes import REQUIRED_SCOPES
from tests.desk import ADMIN, GUEST, Desk
from tests.fakes import FakeInstallation

INCIDENTS, ALERTS, PAYMENTS, OPS, HOSTS, GONE = "C0INCIDENT", "C0ALERTS", "C0PAYMENTS", "C0OPS", "C0HOSTS", "C0GONE"
RULE = Rule.create(pattern="disk full", target_channel=PAYMENTS, channels=frozenset({ALERTS}))
CONFIG = Configuration(rules=(RULE,), channel_policies={OPS: "db"},
                       policies={"db": EscalationPolicy("db", (Level(("U0BOB",)),))},
                       preferences=replace(Preferences(), host_board_channels=(HOSTS,), source_channels={"gcp": OPS}))
EVERY_KEY = frozenset({"generic", "gcp", "alertmanager", "grafana"})
HEALTHY = Deployment(required_scopes=REQUIRED_SCOPES, incidents_channel=INCIDENTS, admin_users=frozenset({ADMIN}),
                     public_base_url="https://klaxon.example", link_key=True, webhook_keys=EVERY_KEY,
                     sns_topics=frozenset({"arn:aws:sns:us-east-1:123456789012:alarms"}))


def workspace(**member: bool) -> FakeInstallation:
    """Every channel CONFIG names exists; Klaxon is in those not given as False."""
    names = {INCIDENTS: "incidents", ALERTS: "alerts", PAYMENTS: "payments", OPS: "ops", HOSTS: "hosts"}
    return FakeInstallation(scopes=REQUIRED_SCOPES, channels={
        channel: ChannelFacts(channel, name, member=member.get(name, True)) for channel, name in names.items()})


def test_an_installation_with_everything_it_needs_has_nothing_to_fix():
    checkup = examine(HEALTHY, CONFIG, workspace())

    assert checkup.problems == 0 and checkup.joined == 5
    assert [check.presence for check in checkup.channels] == [Presence.IN] * 5
    text = checkup_text(checkup)
    assert text.startswith("*Klaxon doctor* - workspace *Klaxon Demo*: :white_check_mark: nothing to fix.")
    assert ":x:" not in text


def test_missing_scopes_are_named_with_where_to_add_them_and_that_the_app_must_be_reinstalled():
    installation = workspace()
    installation.scopes = REQUIRED_SCOPES - {"pins:read", "channels:history"} | {"mpim:write"}

    checkup = examine(HEALTHY, CONFIG, installation)

    assert checkup.missing_scopes == {"pins:read", "channels:history"} and checkup.problems == 1
    assert checkup.extra_scopes == {"mpim:write"}
    text = checkup_text(checkup)
    assert "*Scopes*  :x: missing `channels:history`, `pins:read`. Add them in api.slack.com/apps → Klaxon → " \
           "OAuth & Permissions → Bot Token Scopes" in text
    assert "then reinstall the app (Install App → Reinstall to Workspace)" in text
    assert "also granted, and not needed: `mpim:write`" in text


def test_each_channel_klaxon_lacks_is_named_with_why_it_is_needed_and_how_to_fix_it():
    installation = workspace(alerts=False, payments=False)
    installation.channels[HOSTS] = replace(installation.channels[HOSTS], archived=True)
    deployment = replace(HEALTHY, incidents_channel=GONE)

    checkup = examine(deployment, CONFIG, installation)

    found = {check.channel: check.presence for check in checkup.channels}
    assert found == {GONE: Presence.UNSEEN, ALERTS: Presence.NOT_IN, PAYMENTS: Presence.NOT_IN,
                     HOSTS: Presence.ARCHIVED, OPS: Presence.IN}
    assert checkup.problems == 4
    text = checkup_text(checkup)
    assert (f"<#{ALERTS}> - Klaxon is not in it (rule `{RULE.id}` watches it). Fix: `/invite @klaxon` in "
            f"<#{ALERTS}>.") in text
    assert f"<#{PAYMENTS}> - Klaxon is not in it (rule `{RULE.id}` posts there)" in text
    assert f"<#{HOSTS}> - archived (the host board). Fix: unarchive it" in text
    assert (f"`{GONE}` - Slack does not show it to Klaxon: deleted, or private without Klaxon (INCIDENTS_CHANNEL: "
            "headline posts, and alerts nothing else routes)") in text
    assert f":white_check_mark: <#{OPS}> - gcp's alerts go there; mentions there page `db`" in text


def test_a_new_installation_whose_configuration_names_no_channel_says_where_to_start():
    text = checkup_text(examine(replace(HEALTHY, incidents_channel=None), Configuration(), FakeInstallation(
        scopes=REQUIRED_SCOPES)))

    assert "*Channels*  :information_source: Klaxon is in 0 channels, and the configuration names none yet: " \
           "`/invite @klaxon` where your monitoring posts, then add a rule." in text


def test_a_private_channel_without_klaxon_is_one_slack_does_not_show():
    installation = workspace(ops=False)
    installation.channels[OPS] = replace(installation.channels[OPS], private=True)

    (ops,) = [check for check in examine(HEALTHY, CONFIG, installation).channels if check.channel == OPS]

    assert ops.presence is Presence.UNSEEN and ops.name is None


def test_every_setting_that_names_a_channel_needs_klaxon_in_it():
    config = Configuration(
        rules=(RULE, replace(Rule.create(pattern="x", target_channel="C0OFF"), enabled=False)),
        channel_defaults={"C0ACK": ChannelDefault.ACK, "C0QUIET": ChannelDefault.IGNORE, "*": ChannelDefault.ALERT},
        channel_policies={OPS: "db"}, policies=CONFIG.policies,
        preferences=replace(Preferences(), reminder_channel="C0REMIND", unmatched_channel="C0UNMATCHED",
                            paging_channels=("C0PAGE",), host_board_channels=(HOSTS,), source_channels={"gcp": OPS}))

    needs = channel_needs(config, INCIDENTS)

    assert needs == {
        INCIDENTS: {Need(Use.INCIDENTS_CHANNEL)}, PAYMENTS: {Need(Use.RULE_TARGET, RULE.id)},
        ALERTS: {Need(Use.RULE_SCOPE, RULE.id)}, OPS: {Need(Use.SOURCE_CHANNEL, "gcp"), Need(Use.CHANNEL_POLICY, "db")},
        HOSTS: {Need(Use.HOST_BOARD)}, "C0REMIND": {Need(Use.REMINDERS)}, "C0UNMATCHED": {Need(Use.UNMATCHED)},
        "C0ACK": {Need(Use.CHANNEL_DEFAULT, "ack")}, "C0PAGE": {Need(Use.PAGING_CHANNEL)},
    }, "a disabled rule, a channel left at ignore and the workspace-wide default need no channel"


def test_a_refused_token_says_how_to_replace_it_and_checks_no_further():
    installation = workspace()
    installation.refused = "token_revoked"

    checkup = examine(HEALTHY, CONFIG, installation)

    assert checkup.problems == 1 and checkup.channels == ()
    text = checkup_text(checkup)
    assert "*Bot token*  :x: Slack refuses it (`token_revoked`)" in text
    assert "Install the app again" in text and "output SlackSecretArn" in text and "*Channels*" not in text


@pytest.mark.parametrize("missing, problem", [
    ({"incidents_channel": None}, "no incidents channel"),
    ({"admin_users": frozenset()}, "no admins: nobody can change rules or settings"),
    ({"public_base_url": None}, "no address for links to incident pages, so incidents show no doc link"),
    ({"link_key": False}, "no key to sign links with, so incidents show no doc link"),
])
def test_each_missing_setting_is_a_problem_with_the_parameter_that_sets_it(missing, problem):
    checkup = examine(replace(HEALTHY, **missing), CONFIG, workspace())

    assert checkup.problems == 1
    assert f":x: {problem}" in checkup_text(checkup)


def test_a_source_the_configuration_expects_without_its_key_is_a_problem_one_nobody_uses_a_note():
    deployment = replace(HEALTHY, webhook_keys=frozenset({"generic", "grafana_hmac"}), sns_topics=frozenset())

    checkup = examine(deployment, CONFIG, workspace())

    opened = {source.source: source.open for source in checkup.sources}
    assert opened == {"generic": True, "gcp": False, "alertmanager": False, "cloudwatch": False, "grafana": True}
    assert checkup.problems == 1, "gcp: its alerts are routed to #ops, so someone means to use it"
    text = checkup_text(checkup)
    assert ":x: gcp: no key `gcp` in the webhook secret, so it accepts nothing (401) - and the configuration " \
           "expects its alerts" in text
    assert ":information_source: alertmanager: no key `alertmanager` in the webhook secret" in text
    assert ":white_check_mark: grafana: open (`grafana_hmac`)" in text
    assert ":information_source: cloudwatch: no SNS topic allowed" in text
    assert "webhook secret" in text and "secret-value" not in text, "key names only, never a value"


def test_from_slack_the_webhook_secret_is_left_to_make_doctor_and_the_signing_secret_is_proven():
    deployment = replace(HEALTHY, webhook_keys=None, sns_topics=None, signed=True)

    text = checkup_text(examine(deployment, CONFIG, workspace()))

    assert "*Webhook sources*  :information_source: not checked from Slack" in text and "`make doctor`" in text
    assert "*Signing secret*  :white_check_mark: right: this request came signed with it." in text


def test_from_a_terminal_the_signing_secret_cannot_be_checked_and_the_doctor_says_so():
    text = checkup_text(examine(HEALTHY, CONFIG, workspace()))

    assert "*Signing secret*  :information_source: cannot be checked from here" in text
    assert "Run `/klaxon doctor` in Slack" in text


def test_klaxon_doctor_is_for_admins():
    desk = Desk()
    refused = desk.klaxon("doctor", actor=GUEST)

    assert not refused.ok and "only Klaxon admins" in refused.text
