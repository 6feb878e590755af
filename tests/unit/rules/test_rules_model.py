"""Rules as stored in DynamoDB and exported as YAML: valid by construction, strict on the way back in."""

import json
import re
from decimal import Decimal

import pytest

from klaxon.rules import Action, Rule, RuleError, TimeWindow, model, new_rule_id


def full_rule() -> Rule:
    return Rule(
        id="r-7f3a2c",
        name="disk alarms",
        pattern=r"disk (full|\d+%)",
        ignore_case=True,
        window=TimeWindow.parse("mon-fri 09:00-18:00 Asia/Tokyo"),
        channels=frozenset({"C0MONITOR2", "C0MONITOR1"}),
        posters=frozenset({"B0GRAFANA", "U0ALICE1"}),
        action=Action.ALERT,
        target_channel="C0INCIDENT",
        label="[Error]",
        hotline=("U0BOB123", "S0DBA", "here"),
        policy="db-oncall",
        ack_timeout_seconds=300,
        enabled=False,
    )


def test_a_rule_added_from_slack_reads_the_users_notation_and_gets_a_short_id() -> None:
    rule = Rule.create(pattern=r"/disk (full|\d+%)/i", target_channel="C0INCIDENT", label="[Error]")
    assert rule.pattern == r"disk (full|\d+%)"
    assert rule.ignore_case
    assert re.fullmatch(r"r-[0-9a-f]{6}", rule.id)
    assert rule.name == r"/disk (full|\d+%)/i"
    assert rule.pattern_text == r"/disk (full|\d+%)/i"
    assert rule.action is Action.ALERT and rule.enabled


def test_a_new_rule_id_is_never_one_already_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["7f3a2c", "7f3a2c", "00beef"])
    monkeypatch.setattr(model.secrets, "token_hex", lambda nbytes: next(draws))
    assert new_rule_id({"r-7f3a2c"}) == "r-00beef"


def test_a_rule_with_an_invalid_pattern_cannot_exist() -> None:
    with pytest.raises(RuleError, match=r'pattern "\(" is not valid RE2: missing \): \('):
        Rule(id="r-1", name="broken", pattern="(", target_channel="C0INCIDENT")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"id": "r 1"}, 'rule id "r 1" must be'),
        ({"name": "  "}, "the name must be 1 to 200 characters"),
        ({"label": "[Error]\n@channel"}, "the label must be one line"),
        ({"target_channel": "#incidents"}, '"#incidents" is not a Slack channel id'),
        ({"channels": frozenset({"general"})}, '"general" is not a Slack channel id'),
        ({"posters": frozenset({"alice"})}, '"alice" is not a Slack user or bot id'),
        ({"hotline": ("@bob",)}, 'hotline "@bob" must be a user id'),
        ({"ack_timeout_seconds": 60}, "an ack timeout needs an escalation policy"),
        ({"policy": "db", "ack_timeout_seconds": 0}, "the ack timeout must be 1 to 604800 seconds"),
        ({"policy": ""}, "the escalation policy name must be"),
    ],
)
def test_a_rule_with_a_bad_field_names_the_problem(changes: dict[str, object], problem: str) -> None:
    fields: dict = {"id": "r-1", "name": "disk", "pattern": "disk", "target_channel": "C0INCIDENT"} | changes
    with pytest.raises(RuleError) as error:
        Rule(**fields)
    assert problem in str(error.value)


@pytest.mark.parametrize(
    "rule",
    [full_rule(), Rule(id="r-1", name="plain", pattern="disk full", target_channel="C0INCIDENT")],
    ids=["every field", "defaults"],
)
def test_a_rule_survives_a_record_round_trip_through_json(rule: Rule) -> None:
    record = json.loads(json.dumps(rule.to_record()))
    assert Rule.from_record(record) == rule


def test_a_record_is_plain_data_with_sorted_scopes() -> None:
    record = full_rule().to_record()
    assert record["channels"] == ["C0MONITOR1", "C0MONITOR2"]
    assert record["hotline"] == ["U0BOB123", "S0DBA", "here"]
    assert record["action"] == "alert"
    assert record["window"] == {
        "kind": "weekly",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "09:00",
        "end": "18:00",
        "zone": "Asia/Tokyo",
        "negated": False,
    }


def test_a_hand_written_export_may_leave_optional_fields_out() -> None:
    rule = Rule.from_record(
        {"id": "r-1", "name": "noise", "pattern": "heartbeat", "target_channel": "C0INCIDENT", "action": "suppress"}
    )
    assert rule.action is Action.SUPPRESS
    assert rule.channels == frozenset() and rule.window is None and rule.enabled


def test_dynamodb_numbers_come_back_as_decimals_and_are_accepted_when_whole() -> None:
    record = full_rule().to_record() | {"ack_timeout_seconds": Decimal("300")}
    assert Rule.from_record(record).ack_timeout_seconds == 300


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"pattern": None}, "rule r-7f3a2c: field pattern must be text"),
        ({"channels": "C0MONITOR1"}, "field channels must be a list of ids"),
        ({"channels": ["C0MONITOR1", 7]}, "field channels must be a list of ids"),
        ({"ignore_case": "yes"}, "field ignore_case must be true or false"),
        ({"action": "page"}, "field action must be alert or suppress"),
        ({"ack_timeout_seconds": Decimal("1.5")}, "field ack_timeout_seconds must be a whole number"),
        ({"ack_timeout_seconds": True}, "field ack_timeout_seconds must be a whole number"),
        ({"window": "mon-fri"}, "field window must be a time window record"),
        ({"window": {"kind": "weekly"}}, "rule r-7f3a2c: time window record needs exactly the fields"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"pattern": "("}, 'pattern "(" is not valid RE2'),
    ],
)
def test_a_malformed_record_is_refused_naming_the_field(changes: dict[str, object], problem: str) -> None:
    with pytest.raises(RuleError) as error:
        Rule.from_record(full_rule().to_record() | changes)
    assert problem in str(error.value)


def test_a_record_missing_required_fields_names_them() -> None:
    record = full_rule().to_record()
    del record["target_channel"], record["action"]
    with pytest.raises(RuleError, match="rule r-7f3a2c: missing field\\(s\\) action, target_channel"):
        Rule.from_record(record)
