"""The door of POST /slack/events: who may come in, checked before anything reads what they bring.

Two kinds of caller reach the Slack function, and each proves who it is differently:

- Slack, through API Gateway. A request is let in only with a valid signature: `v0=` HMAC-SHA256 of
  `v0:{X-Slack-Request-Timestamp}:{raw body}` under the app's signing secret, the timestamp at most five
  minutes old (https://api.slack.com/authentication/verifying-requests-from-slack). The body is not parsed
  before that, and a refused request is logged by its size and the reason, never by its content.
- Klaxon itself: Bolt's lazy listeners re-invoke the function asynchronously with the original request
  (https://slack.dev/bolt-python/concepts/lazy-listeners). That invocation may run long after the request
  was signed - Lambda retries after minutes, an asynchronous queue can back up for an hour - so it is not
  held to Slack's five minutes. It carries instead a mark API Gateway can never produce (a top-level key of
  the event; HTTP callers control only headers, query and body) holding an HMAC of the whole event under a
  key derived from the signing secret. Only a caller allowed to invoke the function (its own role) can
  deliver it, and only one holding the secret can make it.

A signed body that cannot mean anything - not JSON, nested deeper than any Slack payload (Bolt copies a
request recursively, and Python's parser gives up near 10,000 levels), not an object of Slack's shape - is
acknowledged (200: Slack would otherwise retry it) and logged once, then dropped.
Nothing here imports the domain: this runs on the ack path of every request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import Clock, SignatureVerifier

from klaxon.clock import epoch_seconds

LAZY_WORK = "klaxon_lazy_work"  # the mark's key, at the top level of a self-invocation's event
# Headers Bolt's Lambda runner sets on its re-invocation; a request from outside never carries them.
_LAZY_HEADERS = ("x-slack-bolt-lazy-only", "x-slack-bolt-lazy-function-name")
_KEY_LABEL = b"klaxon lazy work v1"
# Slack's payloads nest about ten levels (event → blocks → rich text → lists → sections → elements);
# Bolt deep-copies each request for its lazy listeners, which Python's recursion limit stops near 400.
MAX_NESTING = 100


class Unusable(ValueError):
    """A signed payload that lacks what its kind must carry: acknowledged, logged once, dropped, never retried."""


@dataclass(frozen=True)
class Verdict:
    """What the door does with a request: let it in (`status` None), or answer `status` now, saying why."""

    status: int | None = None
    reason: str = ""

    @property
    def admitted(self) -> bool:
        return self.status is None


ADMITTED = Verdict()


class _SecondsClock(Clock):
    """slack_sdk's verifier asks a clock for epoch seconds; Klaxon's runtime owns the time."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def admit(event: Mapping[str, Any], signing_secret: str, now: Callable[[], float]) -> Verdict:
    """Check a request from API Gateway (payload v2): 401 unless Slack signed it, 200 if signed but meaningless.

    `now` gives epoch seconds. Only the raw body's bytes are looked at before the signature is checked.
    """
    headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
    if any(name in headers for name in _LAZY_HEADERS):
        return Verdict(401, "lazy work comes only from Klaxon itself, never over HTTP")
    raw = _raw_body(event)
    if raw is None:
        return Verdict(400, "the body is not valid base64")
    timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not timestamp or not signature:
        return Verdict(401, "the request is not signed")
    signed_at = epoch_seconds(timestamp)
    if signed_at is None:
        return Verdict(401, "the signature's timestamp is not a number")
    try:
        body = raw.decode("utf-8")  # Slack signs UTF-8 text; other bytes cannot carry its signature
    except UnicodeDecodeError:
        return Verdict(401, "the body is not text Slack signed")
    verifier = SignatureVerifier(signing_secret, clock=_SecondsClock(now))
    if not verifier.is_valid(body, timestamp, signature):
        stale = abs(now() - signed_at) > 300
        return Verdict(401, "the signature is more than five minutes old" if stale else "the signature is wrong")
    problem = _meaningless(body, headers.get("content-type", ""))
    return Verdict(200, problem) if problem else ADMITTED


def _raw_body(event: Mapping[str, Any]) -> bytes | None:
    """The bytes Slack sent: API Gateway passes text as it is and base64-encodes anything else."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    return str(body).encode("utf-8", errors="surrogatepass")


def _meaningless(body: str, content_type: str) -> str | None:
    """Why a signed body cannot be a Slack payload (JSON, or a form whose `payload` is JSON); None if it can.

    Read with Bolt's own parser, so what passes here is exactly what Bolt can read after it.
    """
    try:
        data = parse_body(body, content_type or None)
    except RecursionError:
        return "the JSON is nested deeper than it can be read"
    except ValueError:
        return "the body is not valid JSON"
    if not isinstance(data, dict) or not isinstance(data.get("event", {}), dict):
        return "the payload is not a JSON object of Slack's shape"
    if _nesting(data) > MAX_NESTING:
        return f"the JSON is nested deeper than the {MAX_NESTING} levels a Slack payload could need"
    return _off_envelope(data)


def _off_envelope(data: Mapping[str, Any]) -> str | None:
    """What breaks the envelope every payload of its kind has - the fields Bolt routes by and the ones every
    payload of that kind carries, which Klaxon's listeners (some in the ack) rely on - or None.

    Events API: an `event` object with a string `type` (docs.slack.dev/apis/events-api/#callback-field), and
    for the events Klaxon listens to, what their reference pages show every one of them carries
    (docs.slack.dev/reference/events/<type>); interactions: a string `type`, a `view` object, and each kind's
    fields from docs.slack.dev/reference/interaction-payloads (block_actions also a non-empty list of
    actions, each with a string `action_id`); slash commands: the fields of
    docs.slack.dev/interactivity/implementing-slash-commands. Bolt indexes these without checking, and its
    failure would answer Slack with a 500 on every retry.
    """
    kind = data.get("type")
    if kind is not None and not isinstance(kind, str):
        return "the payload's `type` is not a string"
    if "view" in data and not isinstance(data["view"], Mapping):
        return "a `view` that is not an object"
    if "event" in data:
        event = data["event"]
        if not isinstance(event.get("type"), str):
            return "an event without a string `type`"
        return _missing(event, _EVENT_CARRIES.get(event["type"], ()), f"a {event['type']} event")
    if "command" in data:
        return _missing(data, _COMMAND_CARRIES, "a slash command")
    actions = data.get("actions")
    if kind == "block_actions" and not (isinstance(actions, list) and actions and all(
            isinstance(action, Mapping) and isinstance(action.get("action_id"), str) for action in actions)):
        return "block_actions without actions that each have a string `action_id`"
    return _missing(data, _INTERACTION_CARRIES.get(str(kind), ()), f"a {kind} payload")


# What every payload of a kind carries: a path of keys, and whether it ends at a string (else an object).
_Path = tuple[tuple[str, ...], type]
_USER: _Path = (("user", "id"), str)
_TRIGGER: _Path = (("trigger_id",), str)
_INTERACTION_CARRIES: dict[str, tuple[_Path, ...]] = {
    "block_actions": (_USER, _TRIGGER),
    "view_submission": (_USER, _TRIGGER, (("view", "id"), str), (("view", "callback_id"), str),
                        (("view", "type"), str)),
    "shortcut": (_USER, _TRIGGER, (("callback_id",), str)),
    "message_action": (_USER, _TRIGGER, (("callback_id",), str), (("channel", "id"), str), (("message",), dict)),
}
_COMMAND_CARRIES: tuple[_Path, ...] = ((("user_id",), str), (("channel_id",), str), (("trigger_id",), str))
_EVENT_CARRIES: dict[str, tuple[_Path, ...]] = {
    "app_mention": ((("channel",), str), (("ts",), str)),
    "reaction_added": ((("user",), str), (("reaction",), str), (("item",), dict)),
    "reaction_removed": ((("user",), str), (("reaction",), str), (("item",), dict)),
    "pin_added": ((("user",), str), (("channel_id",), str), (("item",), dict)),
    "pin_removed": ((("user",), str), (("channel_id",), str), (("item",), dict)),
}


def _missing(payload: Mapping[str, Any], paths: tuple[_Path, ...], kind: str) -> str | None:
    """The first of `paths` the payload lacks, in words; None when it carries them all."""
    for path, wanted in paths:
        value: Any = payload
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if not (isinstance(value, Mapping) if wanted is dict else isinstance(value, str) and value):
            return f"{kind} without {'an object' if wanted is dict else 'a string'} `{'.'.join(path)}`"
    return None


def _nesting(data: Any) -> int:
    """How deeply lists and objects nest in parsed JSON (without recursion: the depth is what is in doubt)."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


# ---------------------------------------------------------------------- Klaxon's own lazy work
def mark_lazy_work(event: Mapping[str, Any], signing_secret: str) -> dict[str, Any]:
    """The event of a self-invocation, marked as Klaxon's own work (see the module's docstring)."""
    return {**event, LAZY_WORK: {"signature": _lazy_signature(event, signing_secret)}}


def is_lazy_work(event: Mapping[str, Any]) -> bool:
    """Whether the event claims to be Klaxon's own lazy work (whether it is: `genuine_lazy_work`)."""
    return LAZY_WORK in event


def genuine_lazy_work(event: Mapping[str, Any], signing_secret: str) -> dict[str, Any] | None:
    """The event without its mark if Klaxon made the mark, else None. No expiry: see the module's docstring."""
    mark = event.get(LAZY_WORK)
    claimed = mark.get("signature") if isinstance(mark, Mapping) else None
    unmarked = {key: value for key, value in event.items() if key != LAZY_WORK}
    if not isinstance(claimed, str) or not hmac.compare_digest(claimed, _lazy_signature(unmarked, signing_secret)):
        return None
    return unmarked


def _lazy_signature(event: Mapping[str, Any], signing_secret: str) -> str:
    # A key of its own, derived from the signing secret: a lazy mark can never pass for Slack's signature.
    key = hmac.new(signing_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
