"""`/klaxon` text in, one typed command out: every command's good path, and errors that name the problem."""

from urllib.parse import parse_qs

import pytest

from klaxon import commands
from klaxon.commands import (
    USAGE,
    AddRule,
    ChangeSetting,
    ChannelRef,
    Command,
    CommandError,
    EnableRule,
    Export,
    Help,
    Import,
    ImportFormat,
    ListPolicies,
    ListRules,
    MentionKind,
    MentionRef,
    MoveRule,
    Placement,
    PolicyLevel,
    RemovePolicy,
    RemoveRule,
    SetChannelDefault,
    SetDigestAfter,
    SetGroupingWindow,
    SetHandledReactions,
    SetPolicy,
    SetReconcileLimit,
    SetReminderChannel,
    SetReminderHours,
    SetVerbose,
    ShowAudit,
    ShowPolicy,
    ShowReport,
    ShowSettings,
    UsePolicy,
    Where,
    parse_command,
)
from klaxon.rules import ChannelDefault
from tests.payloads import FIXTURES

ALERTS = ChannelRef("C0123ABC", "alerts-prod")
ALICE = MentionRef(MentionKind.USER, "U0ALICE", "alice")


def error_of(text: str) -> CommandError:
    with pytest.raises(CommandError) as error:
        parse_command(text)
    return error.value


# --- Help and the first word ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Help()),
        ("   \n ", Help()),
        ("help", Help()),
        ("HELP Rule", Help("rule")),
        ("help policy set", Help("policy")),
    ],
)
def test_empty_text_or_help_asks_for_usage(text: str, command: Help) -> None:
    assert parse_command(text) == command


def test_every_help_topic_has_usage_lines() -> None:
    assert set(USAGE) == {"rule", "channel", "policy", "settings", "import", "export", "audit", "report", "keyword",
                          "silence", "hosts", "doctor", "help"}
    assert all(line.startswith(f"/klaxon {topic}") for topic, lines in USAGE.items() for line in lines.splitlines())


def test_an_unknown_help_topic_is_named_with_a_suggestion() -> None:
    assert error_of("help polcy").problem == 'unknown help topic "polcy" — did you mean "policy"?'


def test_words_may_be_separated_by_any_whitespace_and_keywords_read_in_any_case() -> None:
    assert parse_command("  Rule\tLIST \n") == ListRules()
    assert parse_command("RULE\u00a0Remove r-7f3a2c") == RemoveRule("r-7f3a2c")


def test_an_unknown_command_is_named_with_a_suggestion_and_the_topics() -> None:
    error = error_of("rlue list")
    assert error.problem == 'unknown command "rlue" — did you mean "rule"?'
    assert error.usage == USAGE["help"]
    assert str(error) == f'unknown command "rlue" — did you mean "rule"?\nUsage:\n{USAGE["help"]}'


def test_an_unknown_subcommand_is_named_with_the_topics_usage() -> None:
    error = error_of("rule delete r-7f3a2c")
    assert error.problem == (
        'unknown rule command "delete"; expected one of: add, list, test, remove, enable, disable, move'
    )
    assert error.usage == USAGE["rule"]
    assert error_of("policy lst").problem == 'unknown policy command "lst" — did you mean "list"?'


def test_a_topic_without_its_subcommand_lists_them() -> None:
    assert error_of("rule").problem == "rule needs one of: add, list, test, remove, enable, disable, move"


# --- Rules ----------------------------------------------------------------------------------


def test_rule_list_and_test() -> None:
    # TestRule is reached through its module: imported by name, pytest would try to collect it.
    assert parse_command("rule list") == ListRules()
    text = "DISK  full on <#C1|db> &gt; 90%"
    assert parse_command(f"rule test {text}") == commands.TestRule(text)


def test_rule_test_keeps_the_message_in_slacks_markup_as_a_channel_message_has_it() -> None:
    assert parse_command("rule test <@U1|bob> says\nline two").text == "<@U1|bob> says\nline two"  # type: ignore[attr-defined]


def test_rule_remove_enable_and_disable_take_a_rule_id_as_written() -> None:
    assert parse_command("rule remove r-7f3a2c") == RemoveRule("r-7f3a2c")
    assert parse_command("rule enable R-7F3A2C") == EnableRule("R-7F3A2C", enabled=True)
    assert parse_command("rule disable r-7f3a2c") == EnableRule("r-7f3a2c", enabled=False)


@pytest.mark.parametrize(
    ("text", "placement"),
    [
        ("top", Placement(Where.TOP)),
        ("BOTTOM", Placement(Where.BOTTOM)),
        ("3", Placement(Where.POSITION, position=3)),
        ("before r-000001", Placement(Where.BEFORE, anchor="r-000001")),
        ("after r-000001", Placement(Where.AFTER, anchor="r-000001")),
    ],
)
def test_rule_move_puts_a_rule_in_its_place(text: str, placement: Placement) -> None:
    assert parse_command(f"rule move r-7f3a2c {text}") == MoveRule("r-7f3a2c", placement)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rule remove", "a rule id is missing, such as r-7f3a2c"),
        ("rule remove r-7f3a2c r-000001", 'unexpected "r-000001" after the rule id r-7f3a2c'),
        ("rule enable r/7f", '"r/7f" is not a rule id such as r-7f3a2c'),
        ("rule test", "rule test needs a message to try the rules on"),
        ("rule list all", 'unexpected "all" after rule list'),
        ("rule move r-1 0", "positions start at 1"),
        ("rule move r-1 before r-1", "cannot move r-1 before itself"),
        ("rule move r-1 middle", '"middle" is not a place to move r-1 to'),
        ("rule move r-1", "say where to move r-1"),
    ],
)
def test_a_bad_rule_command_is_named_with_its_own_usage(text: str, expected: str) -> None:
    error = error_of(text)
    assert error.problem.startswith(expected)
    assert error.usage.startswith(f"/klaxon rule {text.split()[1]}")


# --- Channel defaults, export, import, audit, report ----------------------------------------


@pytest.mark.parametrize("default", list(ChannelDefault))
def test_a_channel_default_is_set(default: ChannelDefault) -> None:
    assert parse_command(f"channel <#C0123ABC|alerts-prod> default {default.upper()}") == SetChannelDefault(
        ALERTS, default
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("channel alerts default ack", '"alerts" is not a channel'),
        ("channel #alerts ack", 'after #alerts write "default"'),
        ("channel #alerts default notify", 'unknown channel default "notify"; expected one of: ignore, ack, alert'),
        ("channel #alerts default ignor", 'unknown channel default "ignor" — did you mean "ignore"?'),
    ],
)
def test_a_bad_channel_default_is_named(text: str, expected: str) -> None:
    assert error_of(text).problem.startswith(expected)


def test_export_report_and_settings_show() -> None:
    assert parse_command("export") == Export()
    assert parse_command("report") == ShowReport()
    assert parse_command("settings") == ShowSettings()


def test_an_ims_file_is_imported_with_slacks_links_turned_back_into_ids() -> None:
    pasted = "[Rules]\ndisk &gt; 90%\t.*\tDB\n[Incidents]\nDB\t<#C0DB|db-alerts>\n[Hotline]\nDB\t<@U0ALICE|alice>"
    assert parse_command(f"import {pasted}") == Import(
        ImportFormat.IMS, "[Rules]\ndisk > 90%\t.*\tDB\n[Incidents]\nDB\tC0DB\n[Hotline]\nDB\tU0ALICE"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("import klaxon:\n  rules: []", Import(ImportFormat.YAML, "klaxon:\n  rules: []")),
        ("import # rules as code\nklaxon:\n", Import(ImportFormat.YAML, "# rules as code\nklaxon:")),
        ("import ```\nklaxon:\n  rules: []\n```", Import(ImportFormat.YAML, "klaxon:\n  rules: []")),
        ("import yaml\nrules: []", Import(ImportFormat.YAML, "rules: []")),
        ("import IMS klaxon:\n", Import(ImportFormat.IMS, "klaxon:")),
    ],
)
def test_the_import_format_is_detected_or_named(text: str, expected: Import) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", ["import", "import yaml", "import ``````"])
def test_an_empty_import_is_refused(text: str) -> None:
    assert error_of(text).problem == "import needs the text of an IMS.ini file or of a Klaxon YAML export"


@pytest.mark.parametrize(("text", "limit"), [("audit", 10), ("audit 1", 1), ("audit 50", 50)])
def test_audit_shows_the_latest_changes(text: str, limit: int) -> None:
    assert parse_command(text) == ShowAudit(limit)


@pytest.mark.parametrize("count", ["0", "51", "ten", "-1", "2.5"])
def test_audit_takes_1_to_50(count: str) -> None:
    assert error_of(f"audit {count}").problem == f'audit takes a whole number from 1 to 50, not "{count}"'


# --- Settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        (
            "handled-reactions :white_check_mark: heavy_check_mark :+1::skin-tone-2: :White_Check_Mark:",
            SetHandledReactions(("white_check_mark", "heavy_check_mark", "+1::skin-tone-2")),
        ),
        ("digest-after 15m", SetDigestAfter(900)),
        ("verbose ON", SetVerbose(True)),
        ("verbose off", SetVerbose(False)),
        ("reminder-channel <#C0123ABC|alerts-prod>", SetReminderChannel(ALERTS)),
        ("reminder-channel off", SetReminderChannel(None)),
        ("reminder-hours 17:30 09:00 Asia/Tokyo", SetReminderHours((540, 1050), "Asia/Tokyo")),
        ("reminder-hours 9:00 utc", SetReminderHours((540,), "UTC")),
        ("reminder-hours 09:00", SetReminderHours((540,), "UTC")),
        ("reminder-hours off", SetReminderHours(())),
        ("reconcile-limit 0", SetReconcileLimit(0)),
        ("reconcile-limit 50", SetReconcileLimit(50)),
        ("grouping-window 10m", SetGroupingWindow(600)),
    ],
)
def test_a_setting_is_changed(text: str, command: ChangeSetting) -> None:
    parsed = parse_command(f"settings {text}")
    assert parsed == command
    assert isinstance(parsed, ChangeSetting) and parsed.setting == text.split()[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("verbos on", 'unknown setting "verbos" — did you mean "verbose"?'),
        ("handled-reactions", "handled-reactions needs at least one reaction name"),
        ("handled-reactions ✅", '"✅" is not a reaction name'),
        ("handled-reactions :white check:", '":white" is not a reaction name'),
        ("digest-after 15", 'digest-after: duration "15" needs a unit'),
        ("digest-after 0s", 'digest-after: duration "0s" is zero'),
        ("grouping-window -10m", 'grouping-window: duration "-10m" is negative'),
        ("verbose maybe", 'verbose is on or off, not "maybe"'),
        ("verbose", "verbose is on or off, not nothing"),
        ("reminder-channel alerts", '"alerts" is not a channel'),
        ("reminder-hours 9am", 'reminder-hours takes times such as 09:00 17:30 (then a time zone, or off), not "9am"'),
        ("reminder-hours 25:00", 'bad time "25:00"'),
        ("reminder-hours 09:00 Mars/Olympus", 'unknown time zone "Mars/Olympus"'),
        ("reminder-hours 09:00 Asia/Tokyo 17:00", 'unexpected "17:00" after the time zone'),
        ("reconcile-limit 51", 'reconcile-limit takes a whole number from 0 to 50, not "51"'),
        ("reconcile-limit lots", 'reconcile-limit takes a whole number from 0 to 50, not "lots"'),
    ],
)
def test_a_bad_setting_is_named_with_its_usage(text: str, expected: str) -> None:
    error = error_of(f"settings {text}")
    assert error.problem.startswith(expected)
    assert "/klaxon settings" in error.usage


# --- Escalation policies --------------------------------------------------------------------


def test_a_policy_is_set_level_by_level() -> None:
    text = (
        "policy set DB-Oncall level <@U0ALICE|alice> @bob after 5m; "
        "level <!subteam^S0OPS|@ops-leads> after 2m; repeat 1"
    )
    assert parse_command(text) == SetPolicy(
        "db-oncall",
        (
            PolicyLevel((ALICE, MentionRef(MentionKind.EITHER, name="bob")), 300),
            PolicyLevel((MentionRef(MentionKind.GROUP, "S0OPS", "ops-leads"),), 120),
        ),
        repeat=1,
    )


def test_a_level_waits_a_minute_unless_told_and_levels_may_go_on_separate_lines() -> None:
    assert parse_command("policy set web\nlevel @alice\nLEVEL @ops-leads after 90s") == SetPolicy(
        "web",
        (
            PolicyLevel((MentionRef(MentionKind.EITHER, name="alice"),), 60),
            PolicyLevel((MentionRef(MentionKind.EITHER, name="ops-leads"),), 90),
        ),
    )


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("policy show DB", ShowPolicy("db")),
        ("policy list", ListPolicies()),
        ("policy use db in <#C0123ABC|alerts-prod>", UsePolicy("db", ALERTS)),
        ("policy use db default", UsePolicy("db", None)),
        ("policy remove db", RemovePolicy("db")),
    ],
)
def test_policies_are_shown_used_and_removed(text: str, command: Command) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("policy set db", "policy db has no levels"),
        ("policy set db repeat 2", "policy db has no levels"),
        ("policy set db level after 5m", "level 1 names no one to page"),
        ("policy set db level @a; level", "level 2 names no one to page"),
        ("policy set db level @a after 0m", 'the wait of level 1: duration "0m" is zero'),
        ("policy set db level @a after -1m", 'the wait of level 1: duration "-1m" is negative'),
        ("policy set db level @a after", "the wait of level 1 needs a duration"),
        ("policy set db level @a after 5m @b", 'unexpected "@b" after the wait of level 1'),
        ("policy set db level <!here>", "level 1: @here cannot be paged"),
        ("policy set db level bob", 'level 1: "bob" is not a person or user group'),
        ("policy set db page @a", 'level 1 should read "level @user @group after 5m", not "page @a"'),
        ("policy set db level @a; repeat 11", "repeat takes a whole number from 0 to 10"),
        ("policy set db level @a; repeat", "repeat takes one number from 0 to 10"),
        ("policy set db repeat 1; level @a", "repeat goes once, at the end"),
        ("policy set db_ops! level @a", '"db_ops!" is not a policy name'),
        ("policy set -db level @a", '"-db" is not a policy name'),
        ("policy set " + "x" * 41 + " level @a", f'"{"x" * 41}" is not a policy name'),
        ("policy set", "a policy name is missing"),
        ("policy use db", 'say where policy db pages: "in #channel", or "default"'),
        ("policy use db in alerts", '"alerts" is not a channel'),
        ("policy show", "a policy name is missing"),
    ],
)
def test_a_bad_policy_is_named_with_its_usage(text: str, expected: str) -> None:
    error = error_of(text)
    assert error.problem.startswith(expected)
    assert error.usage.startswith(f"/klaxon policy {text.split()[1]}")


# --- Who may run what -----------------------------------------------------------------------

CHANGES = [
    "rule add disk to #alerts", "rule remove r-1", "rule enable r-1", "rule disable r-1", "rule move r-1 top",
    "channel #alerts default ack", "import klaxon:", "settings verbose on", "settings reconcile-limit 3",
    "policy set db level @a", "policy use db default", "policy remove db",
]
READS = [
    "", "help", "rule list", "rule test disk full", "export", "audit", "report", "settings", "policy show db",
    "policy list",
]


@pytest.mark.parametrize("text", CHANGES)
def test_commands_that_change_something_are_for_admins(text: str) -> None:
    assert commands.changes_configuration(parse_command(text))


@pytest.mark.parametrize("text", READS)
def test_commands_that_only_read_are_for_everyone(text: str) -> None:
    assert not commands.changes_configuration(parse_command(text))


def test_a_parsed_command_cannot_be_altered() -> None:
    command = parse_command("rule remove r-1")
    with pytest.raises(AttributeError):
        command.rule_id = "r-2"  # type: ignore[attr-defined]


# --- Slack's real request body --------------------------------------------------------------


def test_the_text_of_slacks_own_slash_command_body_is_read() -> None:
    body = (FIXTURES / "slack/events/slash_command_body.form-urlencoded.txt").read_text().strip()
    text = parse_qs(body)["text"][0]
    assert error_of(text).problem.startswith('unknown command "Hi"')


def test_a_rule_arrives_url_encoded_and_escaped_as_slack_sends_it() -> None:
    # Slack's body with the text a person gets by typing
    #   /klaxon rule add disk > 90% to #alerts-prod label “[Disk]” hotline @ops-leads @here
    # and picking the channel and group from the autocomplete (escaping on for /klaxon).
    body = (FIXTURES / "slack/events/slash_command_body.form-urlencoded.txt").read_text().strip()
    body = body.replace("command=%2Fhello-world", "command=%2Fklaxon").replace(
        "text=Hi",
        "text=rule+add+disk+%26gt%3B+90%25+to+%3C%23C0123ABC%7Calerts-prod%3E+label+%E2%80%9C%5BDisk%5D%E2%80%9D"
        "+hotline+%3C%21subteam%5ES0123ABC%7C%40ops-leads%3E+%3C%21here%3E",
    )
    form = parse_qs(body)
    assert form["command"] == ["/klaxon"]
    assert parse_command(form["text"][0]) == AddRule(
        pattern="disk > 90%",
        target=ALERTS,
        label="[Disk]",
        hotline=(
            MentionRef(MentionKind.GROUP, "S0123ABC", "ops-leads"),
            MentionRef(MentionKind.BROADCAST, name="here"),
        ),
    )
