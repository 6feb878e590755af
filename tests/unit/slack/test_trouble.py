"""What the person who asked is told when Klaxon cannot finish, and whether Lambda's retries may still help."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from klaxon.ports import ChannelUnreachable, SlackBusy
from klaxon.slack.trouble import WILL_RETRY, explain


def refused(method: str, error: str, status: int = 200, **extra) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url=f"https://slack.com/api/{method}",
                             req_args={"json": {"channel": "C0SECRET"}}, data={"ok": False, "error": error, **extra},
                             headers={}, status_code=status)
    return SlackApiError(f"The request to the Slack API failed: {error}", response)


def dynamodb(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "slow down"}}, "TransactWriteItems")


@pytest.mark.parametrize("error, says, retry, then", [
    (refused("users.list", "missing_scope", needed="users:read"), "lacks the `users:read` scope", False,
     "adds `users:read` to the app's bot token scopes"),
    (refused("chat.postMessage", "not_in_channel"), "not a member of <#C0SECRET>", False, "`/invite @klaxon`"),
    (refused("chat.postMessage", "channel_not_found"), "cannot see <#C0SECRET>", False, "`/invite @klaxon`"),
    (refused("chat.postMessage", "is_archived"), "<#C0SECRET> is archived", False, "Unarchive it"),
    # The gateway's ChannelUnreachable (e.g. an @klaxon mention's thread Klaxon cannot answer in) is the same
    # refusal: retrying would fail the same way and dead-letter it.
    (ChannelUnreachable("D0DIRECT", "channel_not_found"), "cannot see <#D0DIRECT>", False, "`/invite @klaxon`"),
    (refused("users.list", "token_revoked"), "no longer accepts Klaxon's token", False, "reinstalls the app"),
    (refused("chat.update", "restricted_action"), "lets only some members do that (`restricted_action`)", False,
     "allow it for apps"),
    (refused("chat.update", "no_permission"), "refused `chat.update` (`no_permission`)", False,
     "check Klaxon's permissions"),
    (refused("users.list", "ratelimited", status=429), "rate-limiting Klaxon (`users.list`)", True, WILL_RETRY),
    (refused("chat.postMessage", "service_unavailable", status=503),
     "Slack refused `chat.postMessage` (`service_unavailable`)", True, WILL_RETRY),
    (refused("chat.postMessage", "thread_not_found"), "gone from Slack (`thread_not_found` from `chat.postMessage`)",
     False, "Nothing was lost"),
    (SlackBusy("reactions.get", 30), "rate-limiting Klaxon", True, WILL_RETRY),
    (dynamodb("ProvisionedThroughputExceededException"), "database is too busy", True, WILL_RETRY),
    (dynamodb("ThrottlingException"), "database is too busy", True, WILL_RETRY),
    (EndpointConnectionError(endpoint_url="https://dynamodb"), "could not reach", True, WILL_RETRY),
    (ConnectionResetError("reset"), "could not reach", True, WILL_RETRY),
    (dynamodb("ValidationException"), "internal error (ClientError, reference `Ev1`)", True, "dead-letter queue"),
    (KeyError("user"), "internal error (KeyError, reference `Ev1`)", True, "dead-letter queue"),
])
def test_each_failure_is_told_in_words_to_act_on_and_retried_only_when_that_can_help(error, says, retry, then):
    trouble = explain(error, "Ev1")
    assert says in trouble.why and trouble.retry is retry and then in trouble.told("it", nothing_changed=False)


def test_the_message_names_the_request_and_whether_anything_changed():
    trouble = explain(refused("users.list", "missing_scope", needed="users:read"), "Ev1")
    told = trouble.told("`/klaxon policy set`", nothing_changed=True)
    assert told.startswith(":warning: Klaxon could not finish `/klaxon policy set`: Slack refused `users.list`")
    assert "Nothing was changed." in told and told.endswith("then try again.")
    assert "Nothing was changed" not in trouble.told("your acknowledgement of the alert", nothing_changed=False)
