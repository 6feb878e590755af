"""`/klaxon rule add`: a pattern, `to #channel`, and options in any order — or an error naming the problem."""

import pytest

from klaxon.commands import AddRule, ChannelRef, CommandError, MentionKind, MentionRef, parse_command
from klaxon.rules import MAX_PATTERN_LENGTH, Action, RuleError, TimeWindow, parse_pattern

ALERTS_PROD = ChannelRef("C0123ABC", "alerts-prod")


def add(text: str) -> AddRule:
    command = parse_command(f"rule add {text}")
    assert isinstance(command, AddRule)
    return command


def problem(text: str) -> str:
    with pytest.raises(CommandError) as error:
        parse_command(f"rule add {text}")
    assert error.value.usage.startswith("/klaxon rule add <pattern> to #channel")
    return error.value.problem


# --- The pattern and its target ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("<#C0123ABC|alerts-prod>", ALERTS_PROD),
        ("<#C0123ABC|>", ChannelRef("C0123ABC", None)),
        ("<#C0123ABC>", ChannelRef("C0123ABC", None)),
        ("#alerts-prod", ChannelRef(None, "alerts-prod")),  # typed, not picked: looked up by name later
    ],
)
def test_the_target_channel_is_taken_in_each_form_slack_sends(channel: str, expected: ChannelRef) -> None:
    assert add(f"disk full to {channel}") == AddRule(pattern="disk full", target=expected)


@pytest.mark.parametrize(
    ("written", "pattern"),
    [
        (r"disk (full|\d+%)", r"disk (full|\d+%)"),
        (r"/disk (full|\d+%)/i", r"/disk (full|\d+%)/i"),
        ("/failed to connect to db/i", "/failed to connect to db/i"),
        ('"failed to connect"', "failed to connect"),
        ("“failed to connect”", "failed to connect"),  # a client's curly quotes
        ("/var/log full", "/var/log full"),  # not flags after the second slash: a bare pattern
        ("disk &gt; 90% &amp;&amp; load &lt; 1", "disk > 90% && load < 1"),  # Slack's escaping undone
        ("<https://status.example.com|status.example.com> down", "status.example.com down"),
    ],
)
def test_a_pattern_may_be_bare_slashed_or_quoted_with_spaces_inside(written: str, pattern: str) -> None:
    assert add(f"{written} to <#C0123ABC|alerts-prod>").pattern == pattern


def test_a_bare_pattern_runs_to_the_last_to_followed_by_a_channel() -> None:
    rule = add("failed to connect to <#C1|db>")
    assert (rule.pattern, rule.target) == ("failed to connect", ChannelRef("C1", "db"))


def test_a_to_channel_whose_rest_is_not_options_belongs_to_the_pattern() -> None:
    # The name holds " to #b c": that is not where the pattern ends, so the earlier ` to #a` is.
    rule = add('copy to #b failed to #a name "copy to #b c"')
    assert (rule.pattern, rule.target, rule.name) == ("copy to #b failed", ChannelRef(None, "a"), "copy to #b c")


def test_a_slashed_pattern_is_not_split_at_a_to_inside_it() -> None:
    rule = add(r"/moved to #archive/ to #alerts-prod")
    assert (rule.pattern, rule.target) == ("/moved to #archive/", ChannelRef(None, "alerts-prod"))


def test_when_no_to_channel_fits_the_error_is_the_one_about_the_last() -> None:
    # `to #db` leaves `to #alerts lable x`, which fails too, but the person meant `to #alerts`.
    assert problem("failed to #db to #alerts lable x") == 'unknown option "lable" — did you mean "label"?'


def test_the_pattern_is_checked_with_the_rules_own_message() -> None:
    with pytest.raises(RuleError) as rules_error:
        parse_pattern("disk (full")
    assert problem("disk (full to #alerts") == str(rules_error.value)


def test_an_over_long_pattern_is_refused_with_the_limit() -> None:
    assert problem("x" * (MAX_PATTERN_LENGTH + 1) + " to #alerts") == (
        f"pattern is {MAX_PATTERN_LENGTH + 1:,} characters long; the limit is {MAX_PATTERN_LENGTH:,}"
    )


def test_an_unknown_pattern_flag_is_refused() -> None:
    assert "unknown flag(s) g" in problem("/disk/g to #alerts")


def test_a_mention_inside_the_pattern_is_refused_with_a_way_out() -> None:
    assert problem("deploy by <@U1|deploybot> to #alerts").startswith(
        "the pattern holds @deploybot, which Slack turned into a link"
    )


@pytest.mark.parametrize("text", ["to #alerts", '"" to #alerts'])
def test_an_empty_pattern_is_refused(text: str) -> None:
    assert problem(text).startswith('rule add needs a pattern before "to #channel"')


@pytest.mark.parametrize("text", ["disk full", "", "disk full to"])
def test_a_missing_target_channel_is_named(text: str) -> None:
    assert problem(text).startswith('rule add needs "to #channel" after the pattern')


def test_a_target_that_is_not_a_channel_is_named() -> None:
    expected = '"alerts" after "to" is not a channel (write #name or pick it from the list)'
    assert problem("disk full to alerts").endswith(expected)


# --- Options --------------------------------------------------------------------------------


def test_every_option_at_once_in_slacks_escaped_form() -> None:
    rule = add(
        "failed to connect to <#C0123ABC|alerts-prod> label “[DB]” when mon-fri 09:00-18:00 Asia/Tokyo "
        "in <#C0DB|db-prod> #db-staging from <@U0GRAFANA|grafana> @deploy-bot B0123ABC "
        "hotline <@U0ALICE|alice> <!subteam^S0OPS|@ops-leads> <!here> @bob "
        'policy DB-Oncall ack-timeout 5m name "DB connections"'
    )
    assert rule == AddRule(
        pattern="failed to connect",
        target=ALERTS_PROD,
        label="[DB]",
        window=TimeWindow.parse("mon-fri 09:00-18:00 Asia/Tokyo"),
        channels=(ChannelRef("C0DB", "db-prod"), ChannelRef(None, "db-staging")),
        posters=(
            MentionRef(MentionKind.USER, "U0GRAFANA", "grafana"),
            MentionRef(MentionKind.EITHER, name="deploy-bot"),
            MentionRef(MentionKind.BOT, "B0123ABC"),
        ),
        hotline=(
            MentionRef(MentionKind.USER, "U0ALICE", "alice"),
            MentionRef(MentionKind.GROUP, "S0OPS", "ops-leads"),
            MentionRef(MentionKind.BROADCAST, name="here"),
            MentionRef(MentionKind.EITHER, name="bob"),
        ),
        policy="db-oncall",
        ack_timeout_seconds=300,
        name="DB connections",
    )


def test_options_may_come_in_any_order_and_in_any_case() -> None:
    one = add('disk to #alerts LABEL "[Disk]" Hotline @here')
    other = add('disk to #alerts hotline @here label "[Disk]"')
    assert one == other and one.label == "[Disk]"


def test_suppress_marks_known_noise() -> None:
    assert add("heartbeat ok to #alerts suppress").action is Action.SUPPRESS
    assert add("disk full to #alerts").action is Action.ALERT


@pytest.mark.parametrize("label", ['"[Disk full]"', "“[Disk full]”", "”[Disk full]”", '"[Disk full]”'])
def test_labels_take_straight_or_curly_quotes(label: str) -> None:
    assert add(f"disk to #alerts label {label}").label == "[Disk full]"


def test_a_one_word_label_may_go_without_quotes() -> None:
    assert add("disk to #alerts label [Disk]").label == "[Disk]"


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("not sat,sun 00:00-24:00 UTC", TimeWindow.parse("not sat,sun 00:00-24:00")),
        ("ims:/2[0-9]:..:.. (Sat|Sun)/ Asia/Tokyo", TimeWindow.parse("ims:/2[0-9]:..:.. (Sat|Sun)/ Asia/Tokyo")),
        ("not ims:/ in (Sat|Sun)/", TimeWindow.parse("not ims:/ in (Sat|Sun)/")),  # `in` inside the regex
    ],
)
def test_a_window_runs_to_the_next_option(window: str, expected: TimeWindow) -> None:
    rule = add(f"disk to #alerts when {window} suppress")
    assert (rule.window, rule.action) == (expected, Action.SUPPRESS)


# --- Bad options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('disk to #alerts lable "[Disk]"', 'unknown option "lable" — did you mean "label"?'),
        ("disk to #alerts hotlines @bob", 'unknown option "hotlines" — did you mean "hotline"?'),
        ("disk to #alerts please", 'unknown option "please"; expected one of: label, when, suppress, in, from, '),
        ('disk to #alerts label "a" label "b"', 'option "label" is given twice; give each option once'),
        ("disk to #alerts suppress suppress", 'option "suppress" is given twice; give each option once'),
        ("disk to #alerts when mon-fri 25:00-18:00", 'bad time "25:00": times are HH:MM'),
        ("disk to #alerts when weekdays", 'time window "weekdays" needs a time range such as 09:00-18:00'),
        ("disk to #alerts when mon-fri 09:00-18:00 Mars/Olympus", 'unknown time zone "Mars/Olympus"'),
        ("disk to #alerts when", "when needs a time window"),
        ("disk to #alerts policy db ack-timeout soon", 'ack-timeout: "soon" is not a duration'),
        ("disk to #alerts policy db ack-timeout 0m", 'ack-timeout: duration "0m" is zero'),
        ("disk to #alerts ack-timeout 5m", "ack-timeout needs a policy to page"),
        ("disk to #alerts policy Db!", '"Db!" is not a policy name'),
        ("disk to #alerts suppress hotline @bob", "a suppress rule only marks the message handled"),
        ("disk to #alerts in alerts", 'in: "alerts" is not a channel, such as #alerts-prod'),
        ("disk to #alerts in", "in needs a channel"),
        ("disk to #alerts from <!subteam^S1|@ops>", 'from: "@ops" is not a user or bot'),
        ("disk to #alerts hotline bob", 'hotline: "bob" is not a person, user group or @here'),
        ('disk to #alerts label "[Disk', '"[Disk" has no closing quote'),
        ("disk to #alerts label", "label needs text in double quotes"),
        ("disk to #alerts name suppress", "name needs text in double quotes"),
    ],
)
def test_a_bad_option_is_named(text: str, expected: str) -> None:
    assert problem(text).startswith(expected)
