"""Whatever a command, a button or a mention cannot finish is told once to the person who asked, in words they
can act on; nothing is half-written, and Lambda's retries do not answer twice - through Slack and the real
handlers, with the emulated Slack refusing calls as the real one does."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from klaxon.slack.actions import ActionId
from tests.integration.slack_app.conftest import monitoring_scene


@pytest.fixture
def ops(stack, alice, bob):
    stack.workspace.add_channel("ops")
    return {"alice": alice, "bob": bob}


def ephemerals(stack, user) -> list[str]:
    return [e["text"] for e in stack.workspace.ephemerals(user)]


def written(stack) -> tuple[int, int]:
    return len(stack.items("CONFIG")), len(stack.items("AUDIT"))


def test_a_missing_scope_is_told_once_naming_the_scope_and_nothing_is_written(stack, ops):
    stack.workspace.refuse_next("users.info", "missing_scope", needed="users:read", provided="chat:write")
    before = written(stack)

    answer = stack.klaxon(ops["alice"], "#ops", "policy set p level @bob after 5m")  # <@U…|bob> as Slack sends it

    assert answer.startswith(":warning: Klaxon could not finish `/klaxon policy set`")
    assert "`users:read`" in answer and "reinstalls it" in answer and "Nothing was changed." in answer
    assert len(ephemerals(stack, ops["alice"])) == 1
    assert written(stack) == before and stack.dead_letters() == []


@pytest.mark.parametrize("method, error, extra, command, says", [
    ("conversations.info", "missing_scope", {"needed": "channels:read"}, "rule add disk to #ops", "`channels:read`"),
    ("usergroups.list", "missing_scope", {"needed": "usergroups:read"}, "policy set p level @oncall after 5m",
     "`usergroups:read`"),
    ("users.info", "token_revoked", {}, "policy set p level @bob after 5m", "reinstalls the app"),
    ("conversations.info", "is_archived", {}, "channel #ops default alert", "is archived"),
])
def test_every_refusal_only_people_can_fix_is_told_once_with_what_to_do(stack, ops, method, error, extra,
                                                                        command, says):
    stack.workspace.refuse_next(method, error, **extra)
    before = written(stack)
    answer = stack.klaxon(ops["alice"], "#ops", command)
    assert answer.startswith(":warning: Klaxon could not finish") and says in answer, answer
    assert len(ephemerals(stack, ops["alice"])) == 1
    assert written(stack) == before and stack.dead_letters() == []


def test_a_rate_limit_longer_than_klaxon_waits_is_told_once_then_the_retry_answers(stack, ops):
    stack.workspace.rate_limit("users.info", retry_after=120)  # more than the 60 s a lazy listener waits

    stack.klaxon(ops["alice"], "#ops", "policy set p level @bob after 5m")

    notice, done = ephemerals(stack, ops["alice"])
    assert "rate-limiting Klaxon (`users.info`)" in notice and "tries again" in notice
    assert done.startswith(":white_check_mark: created policy")
    assert stack.dead_letters() == []


def test_work_that_keeps_failing_is_told_once_and_dead_lettered(stack, ops):
    stack.workspace.rate_limit("users.info", count=3, retry_after=120)  # every one of Lambda's three attempts

    stack.klaxon(ops["alice"], "#ops", "policy set p level @bob after 5m")

    assert len(ephemerals(stack, ops["alice"])) == 1, "Lambda's retries do not answer twice"
    (letter,) = stack.dead_letters()
    assert "LazyWorkFailed" in letter["error"]
    assert not stack.items("CONFIG")


def test_a_bug_is_told_once_with_a_reference_and_dead_lettered(stack, ops, monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr("klaxon.commands.policies._policy", broken)
    stack.klaxon(ops["alice"], "#ops", "policy set p level @bob after 5m")

    (notice,) = ephemerals(stack, ops["alice"])
    assert "internal error (KeyError, reference `" in notice and "dead-letter queue" in notice
    assert len(stack.dead_letters()) == 1


def test_an_expired_response_url_still_reaches_the_person_by_direct_message(stack, ops, monkeypatch):
    stack.workspace.refuse_next("users.info", "missing_scope", needed="users:read")
    monkeypatch.setattr("slack_bolt.context.respond.respond.Respond.__call__",
                        lambda *_args, **_kwargs: (_ for _ in ()).throw(ConnectionError("expired")))
    stack.workspace.command(ops["alice"], "#ops", "/klaxon", "policy set p level @bob after 5m")
    stack.settle()
    (dm,) = [m["text"] for m in stack.workspace.ims(ops["alice"]) if m.get("user") == "U0KLAXON"]
    assert "`users:read`" in dm


def throttled(*_args, **_kwargs):
    raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems")


@pytest.mark.parametrize("command, failing", [
    ('silence host=db-7, severity!=info for 2h comment "patching"', "klaxon.dynamo.silences.DynamoSilences.add"),
    ("silence list", "klaxon.dynamo.silences.DynamoSilences.all"),
    ("hosts mute db-7 for 2h", "klaxon.dynamo.silences.DynamoSilences.add"),
    ("hosts", "klaxon.dynamo.hosts.DynamoHosts.all"),
    ('keyword add "status page" reply "https://status.example.com"',
     "klaxon.dynamo.configuration.DynamoConfiguration.commit"),
])
def test_the_newer_verbs_the_database_keeps_refusing_are_told_once_and_change_nothing(stack, ops, monkeypatch,
                                                                                      command, failing):
    before = written(stack)
    monkeypatch.setattr(failing, throttled)
    stack.workspace.command(ops["alice"], "#ops", "/klaxon", command)
    stack.settle()

    (told,) = ephemerals(stack, ops["alice"])
    assert told.startswith(f":warning: Klaxon could not finish `/klaxon {command.split()[0]}"), told
    assert "database is too busy" in told and "Nothing was changed." in told
    assert written(stack) == before and len(stack.dead_letters()) == 1


# ---------------------------------------------------------------------- buttons and mentions
@pytest.fixture
def posted_alert(stack, ops):
    return monitoring_scene(stack, ops["alice"], "/disk \\d+%/ to #incidents")


def test_a_button_that_cannot_finish_tells_whoever_pressed_it_once(stack, ops, posted_alert):
    stack.workspace.refuse_next("chat.update", "missing_scope", needed="chat:write.public")
    stack.workspace.click(ops["bob"], "#incidents", posted_alert["ts"], ActionId.ACKNOWLEDGE_ALERT.value)
    stack.settle()
    (notice,) = ephemerals(stack, ops["bob"])
    assert notice.startswith(":warning: Klaxon could not finish your acknowledgement of the alert")
    assert "`chat:write.public`" in notice and stack.dead_letters() == []
    (alert,) = stack.items("ALERT#")
    assert alert["marks"], "the acknowledgement itself is recorded: the post shows it once the scope is added"


def test_a_mention_that_cannot_page_says_so_in_its_thread_once(stack, ops):
    assert stack.klaxon(ops["alice"], "#ops", "policy set db level @bob after 5m").startswith(":white")
    stack.klaxon(ops["alice"], "#ops", "policy use db in #ops")
    stack.workspace.refuse_next("conversations.open", "missing_scope", count=5, needed="im:write")

    mention = stack.workspace.post("#ops", "<@U0KLAXON> db is down", user=ops["alice"])
    stack.settle()

    replies = [m["text"] for m in stack.workspace.thread("#ops", mention.ts)[1:]]
    (notice,) = [text for text in replies if "could not finish" in text]
    assert notice.startswith(f"<@{ops['alice']}> :warning: Klaxon could not finish the page you asked for")
    assert "`im:write`" in notice and stack.dead_letters() == []
