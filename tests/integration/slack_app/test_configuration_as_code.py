"""Keeping the configuration as code through Slack: `/klaxon export` in one stack, `/klaxon import` of that text
as Slack delivers it (escaped) into a new, empty stack, and the new stack exports the same document - rules,
settings, policies, keyword replies, silences and muted hosts - through signed requests and the real handler."""

from __future__ import annotations

import pytest

from infra.driver import StackDriver


@pytest.fixture
def team(stack: StackDriver, alice: str, bob: str) -> StackDriver:
    for channel in ("incidents", "alerts", "hosts", "ops"):
        stack.workspace.add_channel(channel)
    for typed in ("policy set db level @bob after 5m; level @alice after 2m; repeat 1",
                  "policy use db in #ops",
                  r'rule add /latency > \d+ms & rising/i to #incidents label "[Slow]" in #alerts hotline @bob @here '
                  "policy db ack-timeout 2m",
                  "rule add /disk full/ to #incidents from webhook:gcp",
                  "channel #alerts default ack",
                  "settings source-channel gcp #alerts",
                  "settings host-board #hosts",
                  "settings incident-reminders no-update 20m 3h",
                  'keyword add "runbook" reply "Runbooks & dashboards: https://wiki.example/runbooks?a=1&b=2"',
                  'silence host=db-7, severity!=info for 2h comment "disk swap <urgent>"',
                  "hosts mute web-3 for 6h"):
        answer = stack.klaxon(alice, "#incidents", typed)
        assert answer.startswith(":white_check_mark:"), f"{typed}: {answer}"
    return stack


def exported(stack: StackDriver, user: str) -> str:
    answer = stack.klaxon(user, "#incidents", "export")
    assert answer.startswith("```") and answer.endswith("```"), answer
    return answer


def test_an_export_imported_into_a_new_stack_exports_the_same_document(team, alice, local_stack):
    _, cloud = local_stack
    first = exported(team, alice)

    cloud.reset()  # a new stack: an empty table, fresh containers; the same workspace
    answer = team.klaxon(alice, "#incidents", f"import yaml {first}")

    assert answer.startswith(":white_check_mark: imported 2 rules (replacing 0), 1 channel defaults and the "
                             "settings; restored 2 silences"), answer
    assert exported(team, alice) == first
    assert "web-3" in team.klaxon(alice, "#incidents", "hosts muted")


def test_an_import_with_one_bad_silence_writes_nothing(team, alice, local_stack):
    _, cloud = local_stack
    broken = exported(team, alice).replace('matchers: host="web-3"', 'matchers: host=~"("')
    cloud.reset()

    answer = team.klaxon(alice, "#incidents", f"import yaml {broken}")

    assert answer.startswith(":warning: silences["), answer
    assert team.items("CONFIG") == [] and team.items("SILENCE") == [], "all of the file, or nothing"
