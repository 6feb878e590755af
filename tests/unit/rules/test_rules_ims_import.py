"""Teams moving from IMS import their IMS.ini and keep their rules, labels, hotlines and reverse mode."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from klaxon.alerts.gathering import gathered_text
from klaxon.rules import Action, ChannelDefault, ClockPattern, RuleBook, RuleError, TimeWindow, import_ims, model
from klaxon.rules.ims_import import MATCHING_NOTE, ims_message_text

# The example of IMS's README (fields are tab-separated).
README_EXAMPLE = """\
[Rules]
.*Error.*\t.*:.*:.*\tCHANNEL1
[Incidents]
CHANNEL1\tC021C9EC76C\t[Rule1]\t10
[Label]
white_check_mark
"""

# The shape of later IMS versions: a label per rule, hotlines, reverse mode's DEFAULT, a report channel.
LATER_VERSION = """\
# rules are checked in order
[Rules]
.*Error.*\t.*:.*:.*\t[RuleX]\tCHANNEL1
.*Fault.*\t.*/.*/.* 1[0-2]:.*:.* .*\t[Fault]\tCHANNEL1\tONCALL

[Incidents]
CHANNEL1\tC025FKF3QJV\t20
DEFAULT\tC025FKF3QJV\t[Alert]
[Hotline]
ONCALL\tU0123ABCD\there
[Label]
white_check_mark
[Report]
C0256BTKP54
[PostID]
B0ZABBIX01
[Reminder]
C0256BTKP54\t09\t18
"""


def test_the_readme_example_becomes_one_alert_rule_with_an_ims_time_window() -> None:
    imported = import_ims(README_EXAMPLE, zone="Asia/Tokyo")
    (rule,) = imported.rules
    assert (rule.pattern, rule.target_channel, rule.label, rule.action) == (
        ".*Error.*",
        "C021C9EC76C",
        "[Rule1]",
        Action.ALERT,
    )
    assert rule.window == TimeWindow(ClockPattern(".*:.*:.*"), zone="Asia/Tokyo")
    assert rule.posters == frozenset()
    assert imported.unmatched is ChannelDefault.ACK  # IMS marked unknown messages handled
    assert imported.handled_reaction == "white_check_mark"
    assert imported.notes == (MATCHING_NOTE,)


def test_a_later_ims_file_keeps_rule_order_labels_hotlines_posters_and_report_channel() -> None:
    imported = import_ims(LATER_VERSION)
    assert [rule.label for rule in imported.rules] == ["[RuleX]", "[Fault]"]
    assert [rule.name for rule in imported.rules] == ["IMS.ini line 3", "IMS.ini line 4"]
    assert imported.rules[1].hotline == ("U0123ABCD", "here")
    assert all(rule.posters == frozenset({"B0ZABBIX01"}) for rule in imported.rules)
    assert imported.report_channel == "C0256BTKP54"
    assert imported.unmatched_channel is None  # DEFAULT is only used in reverse mode
    assert imported.notes == (MATCHING_NOTE, "[Reminder] is not imported: reminder hours (set them in Klaxon)")


def test_an_imported_time_regex_keeps_its_meaning() -> None:
    book = RuleBook(import_ims(LATER_VERSION, zone="Asia/Tokyo").rules[1:])
    ten_past_ten_in_tokyo = datetime(2024, 5, 3, 1, 10, tzinfo=UTC)
    one_pm_in_tokyo = datetime(2024, 5, 3, 4, 0, tzinfo=UTC)
    assert book.first_match("Fault in rack 3", "C0MONITOR", "B0ZABBIX01", ten_past_ten_in_tokyo) is not None
    assert book.first_match("Fault in rack 3", "C0MONITOR", "B0ZABBIX01", one_pm_in_tokyo) is None


def test_reverse_mode_suppresses_known_messages_and_alerts_everything_else_to_default() -> None:
    imported = import_ims(LATER_VERSION, reverse=True)
    assert {rule.action for rule in imported.rules} == {Action.SUPPRESS}
    assert imported.unmatched is ChannelDefault.ALERT
    assert (imported.unmatched_channel, imported.unmatched_label) == ("C025FKF3QJV", "[Alert]")


def test_reverse_mode_needs_a_default_channel() -> None:
    with pytest.raises(RuleError, match="reverse mode needs a DEFAULT line in \\[Incidents\\]"):
        import_ims(README_EXAMPLE, reverse=True)


def test_channel_and_user_names_are_resolved_through_the_workspaces_directory() -> None:
    text = "[Rules]\ndisk\t.*\tDB\n[Incidents]\nDB\t#db-incidents\t5\n[PostID]\nzabbix\n[Report]\nreports\n"
    imported = import_ims(text, channel_id={"db-incidents": "C0DBINC01", "reports": "C0REPORT1"}.get,
                          user_id={"zabbix": "U0ZABBIX1"}.get)
    assert imported.rules[0].target_channel == "C0DBINC01"
    assert imported.rules[0].posters == frozenset({"U0ZABBIX1"})
    assert imported.report_channel == "C0REPORT1"


def test_imported_rules_get_distinct_ids_that_are_not_already_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["aaaaaa", "aaaaaa", "bbbbbb", "cccccc"])
    monkeypatch.setattr(model.secrets, "token_hex", lambda nbytes: next(draws))
    imported = import_ims(LATER_VERSION, taken_ids={"r-bbbbbb"})
    assert [rule.id for rule in imported.rules] == ["r-aaaaaa", "r-cccccc"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (".*Error.*\t.*\tCH\n", "line 1: an entry before any [Section] header"),
        ("[Rules]\n[Alerts]\n", "line 2: unknown section [Alerts]"),
        ("[Rules]\n.*Error.* .* CH\n", "line 2: a rule is MESSAGE_REGEX, TIME_REGEX, [LABEL,] INCIDENT"),
        ("[Rules]\n.*Error.*\t\t.*\tCH\n", "line 2: an empty field"),
        ("[Incidents]\nCH\tC0INC0001\t5\n[Rules]\n(\t.*\tCH\n", 'line 4: pattern "(" is not valid RE2: missing ): ('),
        ("[Incidents]\nCH\tC0INC0001\t5\n[Rules]\nx\t(\tCH\n", 'line 4: time window regex "(" is not valid RE2'),
        ("[Rules]\nx\t.*\tCH9\n[Incidents]\nCH\tC0INC0001\t5\n", "line 2: the rule sends to CH9, which [Incidents]"),
        ("[Incidents]\nCH\tC0INC0001\tmany\n", "line 2: [Incidents] expects INCIDENT, CHANNEL, [LABEL,] LIMIT"),
        ("[Incidents]\nDEFAULT\tC0INC0001\n", "line 2: [Incidents] expects DEFAULT, CHANNEL, LABEL"),
        ("[Incidents]\nCH\tC0INC0001\t5\nCH\tC0INC0002\t5\n", "line 3: incident CH is defined twice"),
        ("[Incidents]\nCH\tops-incidents\t5\n", 'line 2: "ops-incidents" is neither a channel id nor a known'),
        ("[Incidents]\nCH\tC0INC0001\t5\n[Rules]\nx\t.*\t[L]\tCH\tPAGER\n", "line 4: the rule names hotline PAGER"),
        ("[Hotline]\nONCALL\n", "line 2: hotline ONCALL names nobody to mention"),
        ("[Label]\nwhite_check_mark\teyes\n", "line 2: [Label] holds one value a line"),
        ("[Label]\nwhite check\n", 'line 2: "white check" is not a reaction name'),
    ],
)
def test_a_malformed_file_is_refused_naming_the_line_and_nothing_is_imported(text: str, problem: str) -> None:
    with pytest.raises(RuleError) as error:
        import_ims(text)
    assert problem in str(error.value)


# ---------------------------------------------------------------------- what IMS matched, imported rules still match
CRITICAL = "[Rules]\n\"color\":\"danger\"\t.*\tCRIT\n[Incidents]\nCRIT\tC0123\t[Critical]\t20\n"
FIRING = {"type": "message", "subtype": "bot_message", "text": "",
          "attachments": [{"color": "danger", "title": "[FIRING:1] HighLatency", "id": 1}]}
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_a_text_less_message_matches_an_imported_rule_written_against_its_attachments_json() -> None:
    imported = import_ims(CRITICAL)
    (rule,) = imported.rules
    assert rule.ims_matching and (rule.target_channel, rule.label) == ("C0123", "[Critical]")
    book = RuleBook(imported.rules)
    assert book.first_match(gathered_text(FIRING), "C0MON", "B0AM", NOON, ims_message_text(FIRING)) == rule


def test_a_klaxon_rule_never_matches_the_json_of_attachments() -> None:
    (imported,) = import_ims(CRITICAL).rules
    native = replace(imported, ims_matching=False)
    book = RuleBook([native])
    assert book.first_match(gathered_text(FIRING), "C0MON", "B0AM", NOON, ims_message_text(FIRING)) is None


@pytest.mark.parametrize(("message", "expected"), [
    (FIRING, '[{"color":"danger","id":1,"title":"[FIRING:1] HighLatency"}]'),
    ({"text": "disk &lt;full&gt;", "attachments": [{"color": "danger"}]}, "disk &lt;full&gt;"),  # text wins
    ({"text": "", "attachments": [{"fallback": "a < b & c", "fields": [{"title": "Host", "value": "db-1"}],
                                   "ts": "1700000000", "mrkdwn_in": ["text"], "is_app_unfurl": True,
                                   "actions": [{"name": "ack", "text": "Ack", "type": "button", "id": "1"}]}]},
     '[{"fallback":"a \\u003c b \\u0026 c","fields":[{"title":"Host","value":"db-1","short":false}],'
     '"actions":[{"name":"ack","text":"Ack","type":"button"}],"mrkdwn_in":["text"],"ts":1700000000}]'),
    ({"text": "", "blocks": [{"type": "section"}]}, None),  # no text, no attachments: IMS skipped it
    ({"text": "", "attachments": "x"}, None),
    ("not a message", None),
])
def test_what_ims_matched_is_the_text_or_its_attachments_as_go_wrote_them(message: object,
                                                                          expected: str | None) -> None:
    assert ims_message_text(message) == expected


def test_an_imported_rule_still_matches_the_text_klaxon_reads() -> None:
    (rule,) = import_ims(README_EXAMPLE).rules
    blocks_only = {"text": "", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Error: disk"}}]}
    assert RuleBook([rule]).first_match(gathered_text(blocks_only), "C0MON", "B0X", NOON,
                                        ims_message_text(blocks_only)) == rule


def test_the_import_says_how_imported_rules_match() -> None:
    assert import_ims(CRITICAL).notes == (MATCHING_NOTE,)
    assert import_ims("[Label]\nwhite_check_mark\n").notes == ()
