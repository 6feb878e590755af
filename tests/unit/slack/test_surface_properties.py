"""Properties of everything a caller can put in front of Klaxon, over any input (hypothesis).

- The door (klaxon.slack.door): any body, any content type, signed or not, gets 401/400 unless Slack signed
  it; what it lets in, Bolt can build a request from - the step that turned odd bodies into 500s.
- The `/klaxon` grammar and service, every verb (rules, policies, settings, silences, hosts, keywords): any
  text, from an admin or not, gets an answer - a result, or a refusal that starts with :warning: and names the
  problem - within Slack's message limits, and never an exception. (`/incident`'s: tests/unit/incidents/
  test_command_properties.py.)
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaxon.alerts.judging import Identity
from klaxon.commands import CommandError, parse_command
from klaxon.commands.service import Console, Invocation, run_command
from klaxon.paging.policies import EscalationPolicy, Level
from klaxon.ports import Person
from klaxon.rules import Rule
from klaxon.slack.door import admit
from klaxon.slack.renderers.commands import MESSAGE_LIMIT, reply
from tests.fakes import FakeClock, FakeDirectory, FakeSlack, InMemoryStore, wired

SECRET = "property-signing-secret"
NOW = 1_800_000_000.0
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)  # lone surrogates too
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT
SLACK_KEYS = st.sampled_from(["type", "event", "event_id", "team_id", "token", "challenge", "payload", "actions",
                              "user", "channel", "item", "ts", "text", "blocks", "view", "trigger_id",
                              "response_url", "authorizations", "enterprise", "team", "api_app_id", "container",
                              "message", "command", "is_enterprise_install", "subtype", "bot_id"]) | ANY_TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SLACK_KEYS, inner,
                                                                                           max_size=6), max_leaves=40)
SLACK_TYPES = st.sampled_from(["event_callback", "url_verification", "block_actions", "view_submission",
                               "shortcut", "message_action", "app_rate_limited"]) | ANY_TEXT
PAYLOADS = st.fixed_dictionaries({"type": SLACK_TYPES}, optional={key: JSON for key in (
    "event", "event_id", "team_id", "token", "challenge", "actions", "user", "channel", "trigger_id", "team",
    "authorizations", "enterprise", "container", "view", "is_enterprise_install", "api_app_id")})


def signed(body: bytes, content_type: str) -> dict:
    timestamp = str(int(NOW))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"headers": {"content-type": content_type, "x-slack-request-timestamp": timestamp,
                        "x-slack-signature": f"v0={digest}"}, "body": body.decode("utf-8"), "isBase64Encoded": False}


def bodies() -> st.SearchStrategy[tuple[bytes, str]]:
    """Bodies as Slack sends them (JSON events, forms, forms holding a JSON payload) and as nobody should."""
    as_json = PAYLOADS.map(lambda p: (json.dumps(p).encode(), "application/json"))
    as_form = st.dictionaries(SLACK_KEYS, ANY_TEXT, max_size=6).map(
        lambda f: ("&".join(f"{k}={v}" for k, v in f.items()).encode("utf-8", "surrogatepass"),
                   "application/x-www-form-urlencoded"))
    as_payload = PAYLOADS.map(lambda p: (b"payload=" + json.dumps(p).encode(), "application/x-www-form-urlencoded"))
    anything = st.tuples(st.binary(max_size=300), st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "", "application/octet-stream"]))
    return as_json | as_form | as_payload | anything


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.dictionaries(st.sampled_from(["x-slack-request-timestamp", "x-slack-signature", "content-type"]),
                                 ANY_TEXT, max_size=3))
def test_without_slacks_signature_any_body_is_refused_unread(body_and_type, headers):
    body, content_type = body_and_type
    event = {"headers": {"content-type": content_type, **headers}, "isBase64Encoded": True,
             "body": __import__("base64").b64encode(body).decode()}
    verdict = admit(event, SECRET, lambda: NOW)
    assert verdict.status in (400, 401) and verdict.reason


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_what_slack_signed_is_let_in_or_acknowledged_with_its_reason(body_and_type):
    body, content_type = body_and_type
    try:
        event = signed(body, content_type)
    except UnicodeDecodeError:
        return  # Slack signs text; bytes that are not text are the unsigned case above
    verdict = admit(event, SECRET, lambda: NOW)
    assert verdict.admitted or (verdict.status == 200 and verdict.reason)


# ---------------------------------------------------------------------- the /klaxon grammar and service
ADMIN, GUEST = "U0ADMIN", "U0GUEST"
WORDS = st.sampled_from([
    "rule", "add", "list", "test", "remove", "enable", "disable", "move", "top", "bottom", "before", "after",
    "to", "label", "when", "suppress", "in", "from", "hotline", "policy", "ack-timeout", "name", "channel",
    "default", "ignore", "ack", "alert", "export", "import", "ims", "yaml", "audit", "report", "settings",
    "handled-reactions", "digest-after", "verbose", "on", "off", "reminder-channel", "reminder-hours",
    "reconcile-limit", "grouping-window", "paging-channels", "all", "dm-reply", "set", "level", "repeat",
    "show", "use", "help", "mon-fri", "09:00-18:00", "Asia/Tokyo", "not", "daily", "5m", "90s", "2h", "1d", "0s",
    "-5m", "10", "0", "-1", "999999999999", "r-1", "/disk (full|\\d+%)/i", "/(a+)+$/", "/[/", '"[Error]"',
    '"unclosed', "“curly”", "<#C0INCIDENT|incidents>", "<#C0NOPE>", "#incidents", "#nope", "<@U0ADMIN>",
    "<@U0NOPE>", "@alice", "@nobody", "<!subteam^S0LEADS|@leads>", "<!here>", "@here", "db", ";", "level",
    "https://klaxon-demo.slack.com/archives/C0ALERTS/p1800000000000100", "{", "}", "[Rules]", "a0: &a0 [x]",
    # the verbs monitoring and incidents added (issues 11, 12): silences, hosts, keywords, their settings
    "silence", "expire", "hosts", "mute", "muted", "unmute", "for", "comment", "keyword", "reply", "db-7",
    "host=db-7", "source=gcp", "severity!=info", 'alertname=~"Disk.*"', 'text=~"disk full"', "host=~(a+)+$", ",",
    "=", "!~", "s-1", "source-channel", "source-policy", "insufficient-data", "fire", "resolve", "host-board",
    "host-board-every", "incident-paging", "incident-reminders", "no-lead", "no-severity", "no-update", "break",
    "close-hours", "times", "generic", "grafana", "webhook:generic", '"status page"',
])
COMMAND_TEXT = st.lists(WORDS | ANY_TEXT, max_size=14).map(" ".join) | ANY_TEXT


@pytest.fixture(scope="module")
def console() -> Console:
    directory = FakeDirectory(channel_names={"incidents": "C0INCIDENT", "alerts": "C0ALERTS"},
                              persons={"alice": Person(ADMIN, "alice"), "guest": Person(GUEST, "guest")},
                              group_handles={"leads": "S0LEADS"}, members={"S0LEADS": frozenset({ADMIN})})
    store = InMemoryStore()
    policy = EscalationPolicy("db", levels=(Level((ADMIN,), 60),))
    store.configuration.snapshot = store.configuration.snapshot.with_policy(policy).with_rules(
        (Rule.create(pattern="disk", target_channel="C0INCIDENT"),))
    work = wired(store, FakeSlack(), FakeClock(), store.configuration.snapshot, directory=directory,
                 admins=frozenset({ADMIN}))
    return work.console(Identity("U0KLAXON", "B0KLAXON", None))


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(COMMAND_TEXT)
def test_the_grammar_gives_a_command_or_a_command_error_for_any_text(text):
    try:
        parse_command(text)
    except CommandError as problem:
        assert str(problem).strip()


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(COMMAND_TEXT, st.sampled_from([ADMIN, GUEST, "U0SOMEONE"]))
def test_any_command_text_gets_a_clear_answer_within_slacks_limits(console, text, actor):
    answer = run_command(Invocation(text=text, actor=actor, channel="C0ALERTS"), console)
    shown = reply(answer)
    assert shown.messages and all(message.strip() for message in shown.messages)
    assert all(len(message) <= MESSAGE_LIMIT for message in shown.messages)
    assert answer.ok or shown.messages[0].startswith(":warning:")
