"""`Workspace`: drive an emulator (in this process or another) through its control API."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from .delivery import Signing
from .records import CallRecord, Delivery, Outcome, Violation


class WorkspaceError(Exception):
    """The emulator refused a control request (e.g. clicking a button that is not there)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class Workspace:
    """The people, bots and channels of an emulated Slack workspace, and what they do.

    Users and channels may be named by id or by name (`"alice"`, `"#alerts"`); a user given as a
    channel means that user's DM with the app.
    """

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout

    # Setting up

    def add_user(self, name: str, *, real_name: str | None = None, tz: str = "UTC", is_admin: bool = False,
                 email: str | None = None) -> dict[str, Any]:
        """A person; returns the Slack user object (`["id"]` is `U…`)."""
        return self._post("users", name=name, real_name=real_name, tz=tz, is_admin=is_admin, email=email)

    def add_bot(self, name: str) -> dict[str, Any]:
        """An integration such as a monitoring tool: `bot_id` (`B…`), `user_id`, `app_id`, `name`."""
        return self._post("bots", name=name)

    def add_channel(self, name: str, *, is_private: bool = False, members: list[str] | None = None,
                    bot_member: bool = True) -> dict[str, Any]:
        """A channel (Klaxon is a member unless `bot_member=False`); returns the conversation object."""
        return self._post("channels", name=name, is_private=is_private, members=members or [],
                          bot_member=bot_member)

    def invite(self, channel: str, user: str) -> dict[str, Any]:
        """Someone invites `user` (a person, or `klaxon` for the app's bot) into `channel`."""
        return self._post("invite", channel=channel, user=user)

    def add_usergroup(self, handle: str, users: list[str], *, name: str | None = None) -> dict[str, Any]:
        """A user group (`S…`)."""
        return self._post("usergroups", handle=handle, users=users, name=name)

    def populate(self, people: int = 20_000, *, usergroups: int = 300, bots: int = 200, deleted: int = 600,
                 seed: int = 1) -> dict[str, Any]:
        """A big workspace: `people` members (bots and departed included) and `usergroups` groups; the census."""
        return self._post("populate", people=people, usergroups=usergroups, bots=bots, deleted=deleted, seed=seed)

    # Acting

    def post(self, channel: str, text: str = "", *, user: str | None = None, bot: str | None = None,
             as_app: bool = False, blocks: list[dict[str, Any]] | None = None,
             attachments: list[dict[str, Any]] | None = None, thread_ts: str | None = None,
             reply_broadcast: bool = False) -> Outcome:
        """Post as a user, or as a bot: legacy `bot_message` by default, a modern app bot with `as_app`."""
        return Outcome.from_dict(self._post(
            "post", channel=channel, text=text, user=user, bot=bot, as_app=as_app, blocks=blocks,
            attachments=attachments, thread_ts=thread_ts, reply_broadcast=reply_broadcast,
        ))

    def edit(self, channel: str, ts: str, text: str | None = None, *, blocks: list[dict[str, Any]] | None = None,
             attachments: list[dict[str, Any]] | None = None) -> Outcome:
        """The poster edits a message (→ `message_changed`)."""
        return Outcome.from_dict(self._post("edit", channel=channel, ts=ts, text=text, blocks=blocks,
                                            attachments=attachments))

    def unfurl(self, channel: str, ts: str, attachments: list[dict[str, Any]]) -> Outcome:
        """Slack previews a link in the message (→ `message_changed` without `edited`)."""
        return Outcome.from_dict(self._post("unfurl", channel=channel, ts=ts, attachments=attachments))

    def delete(self, channel: str, ts: str) -> Outcome:
        """The poster deletes a message (→ `message_deleted`)."""
        return Outcome.from_dict(self._post("delete", channel=channel, ts=ts))

    def react(self, user: str, channel: str, ts: str, name: str) -> Outcome:
        """A user adds a reaction (→ `reaction_added`)."""
        return Outcome.from_dict(self._post("react", user=user, channel=channel, ts=ts, name=name))

    def unreact(self, user: str, channel: str, ts: str, name: str) -> Outcome:
        """A user removes their reaction (→ `reaction_removed`)."""
        return Outcome.from_dict(self._post("unreact", user=user, channel=channel, ts=ts, name=name))

    def pin(self, user: str, channel: str, ts: str) -> Outcome:
        """A user pins a message (→ `pin_added`)."""
        return Outcome.from_dict(self._post("pin", user=user, channel=channel, ts=ts))

    def unpin(self, user: str, channel: str, ts: str) -> Outcome:
        """A user unpins a message (→ `pin_removed`)."""
        return Outcome.from_dict(self._post("unpin", user=user, channel=channel, ts=ts))

    def command(self, user: str, channel: str, command: str, text: str = "", *, escape: bool = True) -> Outcome:
        """A user runs a slash command; with `escape`, `@name`/`#name` arrive as Slack escapes them."""
        return Outcome.from_dict(self._post("command", user=user, channel=channel, command=command, text=text,
                                            escape=escape))

    def click(self, user: str, channel: str, ts: str, action_id: str, value: str | None = None) -> Outcome:
        """A user clicks a button that exists in the message (or in an ephemeral they see)."""
        return Outcome.from_dict(self._post("click", user=user, channel=channel, ts=ts, action_id=action_id,
                                            value=value))

    def shortcut(self, user: str, channel: str, ts: str, callback_id: str) -> Outcome:
        """A user runs the app's message shortcut `callback_id` on a message (→ a `message_action` payload)."""
        return Outcome.from_dict(self._post("shortcut", user=user, channel=channel, ts=ts, callback_id=callback_id))

    def archive(self, channel: str) -> dict[str, Any]:
        """Someone archives a channel (its name stays taken, as in Slack)."""
        return self._post("archive", channel=channel)

    def submit_view(self, user: str, view_id: str, values: dict[str, Any] | None = None) -> Outcome:
        """A user submits a modal the app opened; `values` by input `action_id`."""
        return Outcome.from_dict(self._post("submit_view", user=user, view_id=view_id, values=values or {}))

    def redeliver(self, delivery_id: str, *, retry_num: int | None = None, reason: str | None = None) -> Delivery:
        """Send a delivery again as Slack retries it (same body, `X-Slack-Retry-Num`, `X-Slack-Retry-Reason`)."""
        return Delivery.from_dict(self._post("redeliver", id=delivery_id, retry_num=retry_num, reason=reason))

    def verify_url(self, challenge: str | None = None) -> Delivery:
        """Slack's `url_verification` handshake; the app should answer with the challenge."""
        return Delivery.from_dict(self._post("url_verification", challenge=challenge))

    def send_raw(self, body: str | bytes, *, content_type: str = "application/json", signing: Signing = "valid",
                 timestamp_age: int = 0) -> Delivery:
        """Any body to the app (bytes: exactly those bytes), signed `valid`, `bad` or `none`, with a
        timestamp `timestamp_age` s old."""
        content = {"body_base64": base64.b64encode(body).decode()} if isinstance(body, bytes) else {"body": body}
        return Delivery.from_dict(self._post("raw", **content, content_type=content_type, signing=signing,
                                             timestamp_age=timestamp_age))

    # Configuring

    def rate_limit(self, method: str, *, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` calls of `method` (`*` for any) get HTTP 429 with `Retry-After`."""
        self._post("faults", method=method, status=429, count=count, retry_after=retry_after)

    def fail_next(self, method: str, *, count: int = 1, status: int = 503) -> None:
        """The next `count` calls of `method` (`*` for any) get an HTTP 5xx."""
        self._post("faults", method=method, status=status, count=count)

    def answer_late(self, method: str, *, delay: float, count: int = 1) -> None:
        """The next `count` calls of `method` are carried out but answered only after `delay` seconds."""
        self._post("faults", method=method, status=200, count=count, delay=delay)

    def refuse_next(self, method: str, error: str, *, count: int = 1, **extra: Any) -> None:
        """The next `count` calls of `method` (`*` for any) get Slack's refusal `{"ok": false, "error": error}`
        (restricted_action, missing_scope …) with `extra` fields (e.g. `needed="users:read"` with
        `missing_scope`)."""
        self._post("faults", method=method, status=200, count=count, error=error, extra=extra)

    def fault_rate(self, rate: float, *, weights: dict[str, float] | None = None, retry_after: int = 1,
                   delay: float = 1.5, seed: int = 7) -> dict[str, int]:
        """From now on every call of any method fails with probability `rate` (0 stops it): a 429 with
        Retry-After, a 5xx, or a timeout (carried out, answered after `delay` s), drawn by `weights`.
        Returns the faults injected so far, by kind."""
        answer = self._post("fault_rate", rate=rate, weights=weights or {"429": 1, "5xx": 1, "timeout": 1},
                            retry_after=retry_after, delay=delay, seed=seed)
        return dict(answer["injected"])

    def grant_scopes(self, scopes: Iterable[str]) -> list[str]:
        """The app's bot scopes are now exactly `scopes` (as if it were reinstalled with them), until a reset."""
        return list(self._post("scopes", scopes=list(scopes))["scopes"])

    def rate_limits(self, enabled: bool = True) -> None:
        """Enforce Slack's rate-limit tiers on every Web API call from now on (or stop enforcing them)."""
        self._post("rate_limits", enabled=enabled)

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change `app_url`, `signing_secret`, `delivery_timeout`, `trigger_ttl`, `socket_mode` or
        `socket_retry_delays` at runtime."""
        return self._post("config", **settings)

    def socket_disconnect(self, reason: str = "refresh_requested") -> int:
        """Send Socket Mode's `disconnect` (`refresh_requested` or `link_disabled`); how many connections were told."""
        return int(self._post("socket_disconnect", reason=reason)["told"])

    def reset(self) -> None:
        """Back to the empty workspace with full rate-limit budgets; identity and settings stay."""
        self._post("reset")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every queued delivery to the app has been answered (TimeoutError otherwise)."""
        if not self._post("wait_idle", timeout=timeout)["idle"]:
            raise TimeoutError(f"deliveries still pending after {timeout} s")

    # Looking

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """The channel's top-level messages, oldest first."""
        return _dicts(self._get("messages", channel=channel))

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """A thread: the parent, then its replies."""
        return _dicts(self._get("thread", channel=channel, ts=ts))

    def ephemerals(self, user: str) -> list[dict[str, Any]]:
        """What only this user was shown (postEphemeral, command answers, response_url answers)."""
        return _dicts(self._get("ephemerals", user=user))

    def ims(self, user: str) -> list[dict[str, Any]]:
        """The messages of the app's DM with this user, thread replies included."""
        return _dicts(self._get("ims", user=user))

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """The Web API calls the app made, optionally of one method."""
        return [CallRecord.from_dict(c) for c in self._get("calls", **({"method": method} if method else {}))]

    def violations(self) -> list[Violation]:
        """Calls that broke Slack's contract (unknown method, missing argument, Block Kit limits…)."""
        return [Violation.from_dict(v) for v in self._get("violations")]

    def deliveries(self) -> list[Delivery]:
        """Every request sent to the app, retries included, in order."""
        return [Delivery.from_dict(d) for d in self._get("deliveries")]

    def responses(self) -> list[dict[str, Any]]:
        """What the app posted to response_urls."""
        return _dicts(self._get("responses"))

    def files(self) -> list[dict[str, Any]]:
        """The files the app shared (files.completeUploadExternal), each with its `content` as text."""
        return _dicts(self._get("files"))

    def socket_connections(self) -> list[dict[str, Any]]:
        """Every Socket Mode connection the app opened: `id`, `opened_at`, `closed_at`, `retiring`."""
        return _dicts(self._get("socket_connections"))

    def state(self) -> dict[str, Any]:
        """The whole workspace as JSON."""
        state: dict[str, Any] = self._get("state")
        return state

    def render(self) -> str:
        """The workspace as readable text."""
        return self._request("GET", "render").decode()

    # HTTP

    def _get(self, endpoint: str, /, **params: Any) -> Any:
        return json.loads(self._request("GET", f"{endpoint}?{urlencode(params)}" if params else endpoint))

    def _post(self, endpoint: str, /, **body: Any) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self._request("POST", endpoint, {k: v for k, v in body.items()
                                                                             if v is not None}))
        return answer

    def _request(self, verb: str, path: str, body: dict[str, Any] | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", data=data, method=verb,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                answer: bytes = response.read()
                return answer
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            with contextlib.suppress(json.JSONDecodeError, AttributeError):
                detail = json.loads(detail).get("error", detail)
            raise WorkspaceError(error.code, detail) from None


def _dicts(items: Any) -> list[dict[str, Any]]:
    return [dict(item) for item in items]
