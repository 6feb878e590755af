"""Why work someone asked for could not be finished, in words they can act on, and whether retrying can help.

The one place Slack's refusals are put into words: for work that stopped (`explain`, told by
klaxon.slack.errands) and for a step of incident work Slack refused while the rest went on (a Setback,
worded by klaxon.slack.renderers.incidents through `slack_refusal`).

Slack's error codes are from its Web API reference (docs.slack.dev/reference/methods, each method's page, and
docs.slack.dev/apis/web-api/#errors): `missing_scope` carries the scope it `needed`; `not_in_channel` and
`channel_not_found` name no channel, so the channel is taken from the call's own arguments. DynamoDB's
throttling codes are from docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html;
they arrive only after boto3's own retries gave up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from slack_sdk.errors import SlackApiError, SlackClientError

from klaxon.ports import ChannelUnreachable, SlackBusy
from klaxon.slack.client import error_code, method_of

_TOKEN_REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
_DYNAMODB_BUSY = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                  "TransactionConflictException", "InternalServerError"}
# What the work concerns is gone (deleted meanwhile): retrying gets the same answer, and nobody can fix it.
_GONE = {"thread_not_found", "message_not_found", "cant_update_message", "user_not_found", "view_not_found"}
# Slack refusals that only a person can fix: retrying the same call gets the same answer.
_FOR_PEOPLE = _TOKEN_REFUSED | {"missing_scope", "not_in_channel", "channel_not_found", "is_archived",
                                "no_permission", "restricted_action", "ekm_access_denied", "team_access_not_granted"}
WILL_RETRY = "Klaxon tries again in a minute or two and answers here then."
TRY_AGAIN = "Try again in a minute."


@dataclass(frozen=True)
class Trouble:
    """What went wrong (`why`), what the person can do (`next`: empty when only waiting helps), and whether
    trying again may help."""

    why: str
    next: str
    retry: bool

    def told(self, what: str, *, nothing_changed: bool, retried: bool = True) -> str:
        """The message for the person who asked for `what`; `retried`: Klaxon's own retries take it from here."""
        changed = " Nothing was changed." if nothing_changed else ""
        return f":warning: Klaxon could not finish {what}: {self.why}.{changed} {self.advice(retried)}"

    def advice(self, retried: bool) -> str:
        """What the person can do: `next`, else - only waiting helps - that Klaxon retries (`retried`) or that
        they try again (work no retry repeats: a form on a 3-second trigger, a step that was skipped)."""
        return self.next or (WILL_RETRY if retried else TRY_AGAIN)


def explain(error: BaseException, reference: str | None) -> Trouble:
    """Why `error` stopped the work; `reference` (the Slack delivery's id) lets admins find it in the logs."""
    if isinstance(error, SlackApiError):
        response = error.response
        code = error_code(error) or f"HTTP {response.status_code}"
        return slack_refusal(code, method=method_of(error), channel=_argument(response.req_args, "channel"),
                             needed=str(response.get("needed") or "") or None)
    if isinstance(error, ChannelUnreachable):  # the gateway's word for those same refusals: people must act
        return slack_refusal(error.reason, channel=error.channel)
    if isinstance(error, SlackBusy):
        return Trouble(f"Slack is rate-limiting Klaxon ({error})", "", retry=True)
    if isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in _DYNAMODB_BUSY:
        return Trouble("Klaxon's database is too busy right now", "", retry=True)
    if isinstance(error, SlackClientError | BotoCoreError | OSError):  # connections refused, reset, timed out
        return Trouble(f"Klaxon could not reach Slack or its database ({type(error).__name__})", "", retry=True)
    return Trouble(f"Klaxon hit an internal error ({type(error).__name__}, reference `{reference or 'none'}`)",
                   "Klaxon's admins are alerted and it tries again; if it keeps failing, they find the work in "
                   "the dead-letter queue under that reference.", retry=True)


def slack_refusal(code: str, *, method: str = "", channel: str | None = None,
                  needed: str | None = None) -> Trouble:
    """Slack's refusal `code` (of `method`, in `channel`; `needed`: the scope missing_scope names) in words."""
    where = f"<#{channel}>" if channel else "that channel"
    call = f" `{method}`" if method else ""
    match code:
        case "missing_scope":
            scope = f"the `{needed}` scope" if needed else "a scope it needs (`missing_scope`)"
            fix = f"adds `{needed}` to the app's bot token scopes (OAuth & Permissions) and reinstalls it" \
                if needed else "reinstalls it from its manifest, which lists every scope Klaxon needs"
            return Trouble(f"Slack refused{call}: the Klaxon app lacks {scope}", f"A workspace admin {fix}; "
                           "then try again.", retry=False)
        case "not_in_channel":
            return Trouble(f"Klaxon is not a member of {where}",
                           f"Invite it there (`/invite @klaxon` in {where}), then try again.", retry=False)
        case "channel_not_found":
            return Trouble(f"Klaxon cannot see {where}: it is private and Klaxon was not invited, or it is gone",
                           f"Invite Klaxon there (`/invite @klaxon` in {where}), then try again.", retry=False)
        case "is_archived":
            return Trouble(f"{where} is archived", "Unarchive it or choose another channel, then try again.",
                           retry=False)
        case "restricted_action":
            return Trouble("this workspace lets only some members do that (`restricted_action`)",
                           "A workspace admin can allow it for apps, or do it by hand.", retry=False)
        case "ratelimited":
            return Trouble(f"Slack is rate-limiting Klaxon (`{method or code}`)", "", retry=True)
    if code in _GONE:
        return Trouble(f"what it concerns is gone from Slack (`{code}`{f' from {call.strip()}' if call else ''})",
                       "Nothing was lost; try again on something that still exists.", retry=False)
    if code in _TOKEN_REFUSED:
        return Trouble(f"Slack no longer accepts Klaxon's token (`{code}`)",
                       "A workspace admin reinstalls the app and updates the SlackBotToken the stack was deployed "
                       "with.", retry=False)
    if code in _FOR_PEOPLE:
        return Trouble(f"Slack refused{call} (`{code}`)", "A workspace admin can check Klaxon's permissions.",
                       retry=False)
    return Trouble(f"Slack refused{call} (`{code}`)", "", retry=True)


def _argument(request: Mapping[str, Any] | None, name: str) -> str | None:
    """An argument of the Web API call, wherever slack_sdk put it (query, form or JSON body)."""
    for part in ("params", "data", "json"):
        value = ((request or {}).get(part) or {}).get(name)
        if isinstance(value, str) and value:
            return value
    return None
