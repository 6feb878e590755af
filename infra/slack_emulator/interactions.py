"""Slash commands, button clicks, modal submissions, and the app's answers through response_urls."""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .activity import Activity
from .blocks import check_message
from .delivery import Deliverer, Signing
from .errors import ControlError
from .events import EventFeed, Outgoing, form_request, json_request
from .messages import compose, legacy_bot, numbered, with_block_ids
from .methods.views import build_view
from .records import Delivery, Outcome, Violation
from .state import Channel, OpenView, ResponseUrl, WorkspaceState

# Slack accepts up to 5 responses per response_url, within 30 minutes.
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60

_MENTION = re.compile(r"(?<![<\w])([@#])([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>&\"]+(?:&amp;[^\s<>&\"]+)*")
_VALUE_KEYS = {
    "plain_text_input": "value", "number_input": "value", "email_text_input": "value",
    "url_text_input": "value", "users_select": "selected_user", "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation", "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel", "multi_channels_select": "selected_channels",
    "datepicker": "selected_date", "timepicker": "selected_time",
}
_SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons"})
_MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})


class Interactions:
    """The interactive loop between people, the app and Slack's UI."""

    def __init__(self, state: WorkspaceState, deliverer: Deliverer, activity: Activity,
                 base_url: Callable[[], str]) -> None:
        self._state = state
        self._deliverer = deliverer
        self._activity = activity
        self._base_url = base_url
        self._feed = EventFeed(state)

    # Slash commands

    def command(self, user: str, channel: str, command: str, text: str = "", *, escape: bool = True) -> Outcome:
        """A user runs `/command text` in a channel; the app's immediate answer shows up as Slack shows it."""
        with self._state.lock:
            person = self._activity.user(user)
            target = self._activity.channel(channel)
            identity = self._state.identity
            fields = {
                "token": identity.verification_token, "team_id": identity.team_id,
                "team_domain": identity.team_domain, "channel_id": target.id,
                "channel_name": "directmessage" if target.kind == "im" else target.name,
                "user_id": person["id"], "user_name": person["name"], "command": command,
                "text": escape_command_text(self._state, text) if escape else entities_escaped(text),
                "api_app_id": identity.app_id, "is_enterprise_install": "false",
                "response_url": self._state.new_response_url(self._base_url(), person["id"], target.id),
                "trigger_id": self._state.new_trigger(person["id"]),
            }
            pending = self._deliverer.submit(form_request(self._state.ids.next("Cmd"), "command", command, fields))
        delivery = pending.result()
        self._show_ack(delivery, person["id"], target)
        return Outcome(channel=target.id, ts="", deliveries=[delivery])

    def _show_ack(self, delivery: Delivery, user_id: str, channel: Channel) -> None:
        if not delivery.ok or not delivery.body.strip():
            return
        try:
            content = json.loads(delivery.body)
        except json.JSONDecodeError:
            content = {"text": delivery.body}
        if not isinstance(content, dict) or not any(content.get(k) for k in ("text", "blocks", "attachments")):
            return
        with self._state.lock:
            if content.get("response_type") == "in_channel":
                pending = self._send(self._post_as_app(channel, content))
            else:
                self._state.add_ephemeral(user_id, channel.id, content, source="command ack")
                pending = []
        for future in pending:
            future.result()

    # Buttons

    def click(self, user: str, channel: str, ts: str, action_id: str, value: str | None = None) -> Outcome:
        """A user clicks a button that is really there, in a message or in an ephemeral they see."""
        with self._state.lock:
            person = self._activity.user(user)
            target = self._activity.channel(channel)
            message, is_ephemeral = self._clickable_message(person["id"], target, ts)
            found = _find_button(message.get("blocks", []), action_id, value)
            if found is None:
                wanted = f"{action_id!r}" + (f" with value {value!r}" if value is not None else "")
                raise ControlError(f"no button {wanted} in message {ts}", 404)
            button, block_id = found
            payload = self._block_actions(person, target, message, is_ephemeral, button, block_id)
            outgoing = form_request(self._state.ids.next("Act"), "interaction", "block_actions",
                                    {"payload": json.dumps(payload)})
            pending = self._deliverer.submit(outgoing)
        return Outcome(channel=target.id, ts=ts, deliveries=[pending.result()])

    def _clickable_message(self, user_id: str, channel: Channel, ts: str) -> tuple[dict[str, Any], bool]:
        message = channel.find(ts)
        if message is not None:
            return message, False
        ephemeral = self._state.find_ephemeral(user_id, ts)
        if ephemeral is not None and ephemeral["channel"] == channel.id:
            return ephemeral, True
        raise ControlError(f"no message {ts} in {channel.id} that {user_id} can see", 404)

    def _block_actions(self, person: dict[str, Any], channel: Channel, message: dict[str, Any],
                       is_ephemeral: bool, button: dict[str, Any], block_id: str) -> dict[str, Any]:
        identity = self._state.identity
        container: dict[str, Any] = {"type": "message", "message_ts": message["ts"], "channel_id": channel.id,
                                     "is_ephemeral": is_ephemeral}
        if message.get("thread_ts"):
            container["thread_ts"] = message["thread_ts"]
        action = {"action_id": button["action_id"], "block_id": block_id, "text": button["text"],
                  "type": "button", "action_ts": self._state.clock.next()}
        action |= {k: button[k] for k in ("value", "style", "url") if k in button}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": person["id"], "username": person["name"], "name": person["name"],
                     "team_id": identity.team_id},
            "api_app_id": identity.app_id, "token": identity.verification_token, "container": container,
            "trigger_id": self._state.new_trigger(person["id"]),
            "team": {"id": identity.team_id, "domain": identity.team_domain},
            "enterprise": None, "is_enterprise_install": False,
            "channel": {"id": channel.id, "name": "directmessage" if channel.kind == "im" else channel.name},
            "state": {"values": {}},
            "response_url": self._state.new_response_url(self._base_url(), person["id"], channel.id,
                                                         message_ts=message["ts"], is_ephemeral=is_ephemeral),
            "actions": [action],
        }
        if not is_ephemeral:
            # Slack does not send the content of ephemeral messages back to the app.
            payload["message"] = copy.deepcopy(message)
        return payload

    # Shortcuts

    def message_shortcut(self, user: str, channel: str, ts: str, callback_id: str) -> Outcome:
        """A user runs a message shortcut on a message (docs.slack.dev/reference/interaction-payloads/
        shortcuts-interaction-payload: a `message_action` with the message and a trigger)."""
        with self._state.lock:
            person = self._activity.user(user)
            target = self._activity.channel(channel)
            message = target.find(ts)
            if message is None:
                raise ControlError(f"no message {ts} in {target.id}", 404)
            identity = self._state.identity
            payload = {
                "type": "message_action", "token": identity.verification_token, "action_ts": self._state.clock.next(),
                "team": {"id": identity.team_id, "domain": identity.team_domain},
                "user": {"id": person["id"], "name": person["name"]},
                "channel": {"id": target.id, "name": target.name}, "callback_id": callback_id,
                "trigger_id": self._state.new_trigger(person["id"]), "message_ts": message["ts"],
                "message": copy.deepcopy(message), "is_enterprise_install": False, "enterprise": None,
                "response_url": self._state.new_response_url(self._base_url(), person["id"], target.id),
            }
            outgoing = form_request(self._state.ids.next("Act"), "interaction", "message_action",
                                    {"payload": json.dumps(payload)})
            pending = self._deliverer.submit(outgoing)
        return Outcome(channel=target.id, ts=ts, deliveries=[pending.result()])

    # Modals

    def submit_view(self, user: str, view_id: str, values: dict[str, Any] | None = None) -> Outcome:
        """A user fills in a modal the app opened (values by input `action_id`) and presses Submit."""
        with self._state.lock:
            person = self._activity.user(user)
            opened = self._state.views.get(view_id)
            if opened is None or opened.user != person["id"]:
                raise ControlError(f"{user} has no open view {view_id}", 404)
            view = copy.deepcopy(opened.view)
            view["state"] = {"values": _view_state(view["blocks"], values or {})}
            identity = self._state.identity
            payload: dict[str, Any] = {
                "type": "view_submission", "team": {"id": identity.team_id, "domain": identity.team_domain},
                "user": {"id": person["id"], "username": person["name"], "name": person["name"],
                         "team_id": identity.team_id},
                "api_app_id": identity.app_id, "token": identity.verification_token,
                "trigger_id": self._state.new_trigger(person["id"]), "view": view, "response_urls": [],
                "enterprise": None, "is_enterprise_install": False,
            }
            outgoing = form_request(self._state.ids.next("Act"), "interaction", "view_submission",
                                    {"payload": json.dumps(payload)})
            pending = self._deliverer.submit(outgoing)
        delivery = pending.result()
        self._apply_response_action(opened, delivery)
        return Outcome(channel="", ts="", deliveries=[delivery])

    def _apply_response_action(self, opened: OpenView, delivery: Delivery) -> None:
        try:
            answer = delivery.json() if delivery.ok else None
        except json.JSONDecodeError:
            answer = None
        if not isinstance(answer, dict):
            answer = {}
        action = answer.get("response_action")
        with self._state.lock:
            if action == "errors":
                return
            if action == "update":
                opened.view = build_view(self._state, answer["view"], previous=opened.view)
            elif action == "push":
                pushed = build_view(self._state, answer["view"])
                self._state.views[pushed["id"]] = OpenView(opened.user, pushed)
            elif action == "clear":
                for view_id in [v for v, o in self._state.views.items() if o.user == opened.user]:
                    del self._state.views[view_id]
            else:
                self._state.views.pop(opened.view["id"], None)

    # What the app sends to a response_url

    def respond(self, url_id: str, raw_body: bytes, answered: threading.Event) -> tuple[int, str]:
        """Handle the app's POST to a response_url; events it causes wait until `answered` is set."""
        with self._state.lock:
            status, text, outgoing = self._take_response(url_id, raw_body)
            for request in outgoing:
                self._deliverer.submit(request, gate=answered)
        return status, text

    def _take_response(self, url_id: str, raw_body: bytes) -> tuple[int, str, list[Outgoing]]:
        entry = self._state.response_urls.get(url_id)
        if entry is None or time.time() - entry.created > RESPONSE_URL_SECONDS:
            return 404, "expired_url", []
        if entry.uses >= RESPONSE_URL_USES:
            self._violation(entry, {}, f"response_url used more than {RESPONSE_URL_USES} times")
            return 404, "used_url", []
        try:
            content = json.loads(raw_body or b"{}")
        except json.JSONDecodeError:
            return 400, "invalid_payload", []
        if not isinstance(content, dict):
            return 400, "invalid_payload", []
        entry.uses += 1
        self._state.responses.append({"response_url": url_id, "user": entry.user, "channel": entry.channel,
                                      "body": content, "time": time.time()})
        return self._apply_response(entry, content)

    def _apply_response(self, entry: ResponseUrl, content: dict[str, Any]) -> tuple[int, str, list[Outgoing]]:
        if content.get("delete_original"):
            return 200, "ok", self._delete_original(entry) if entry.message_ts else []
        problem = check_message(content.get("text"), content.get("blocks"), content.get("attachments"))
        if problem:
            self._violation(entry, content, "; ".join(problem.messages))
            return 400, problem.error, []
        channel = self._state.channels[entry.channel]
        if content.get("replace_original") and entry.message_ts:
            return 200, "ok", self._replace_original(entry, content)
        if content.get("response_type") == "in_channel":
            return 200, "ok", self._post_as_app(channel, content)
        self._state.add_ephemeral(entry.user, entry.channel, content, source="response_url")
        return 200, "ok", []

    def _delete_original(self, entry: ResponseUrl) -> list[Outgoing]:
        if entry.is_ephemeral:
            ephemerals = self._state.ephemerals[entry.user]
            ephemerals[:] = [e for e in ephemerals if e["ts"] != entry.message_ts]
            return []
        found = self._state.find_message(entry.channel, entry.message_ts or "")
        if found is None:
            return []
        channel, message = found
        before = copy.deepcopy(message)
        self._state.remove(channel, message)
        return self._feed.message_deleted(channel, before)

    def _replace_original(self, entry: ResponseUrl, content: dict[str, Any]) -> list[Outgoing]:
        if entry.is_ephemeral:
            original = self._state.find_ephemeral(entry.user, entry.message_ts or "")
            if original is not None:
                _replace_content(original, content)
            return []
        found = self._state.find_message(entry.channel, entry.message_ts or "")
        if found is None:
            return []
        channel, message = found
        before = copy.deepcopy(message)
        _replace_content(message, content)
        return self._feed.message_changed(channel, before, message)

    def _post_as_app(self, channel: Channel, content: dict[str, Any]) -> list[Outgoing]:
        # Messages that come through a response_url are `bot_message`s from the app's bot.
        thread_ts = content.get("thread_ts")
        if thread_ts and self._state.thread_root(channel, thread_ts) is None:
            thread_ts = None
        message = compose(legacy_bot(self._state.klaxon), text=content.get("text"), blocks=content.get("blocks"),
                          attachments=content.get("attachments"), thread_ts=thread_ts)
        self._state.store(channel, message)
        return self._feed.message_posted(channel, message)

    def _violation(self, entry: ResponseUrl, content: dict[str, Any], reason: str) -> None:
        self._state.violations.append(Violation(method="response_url", args={"url": entry.id, **content},
                                                reason=reason, time=time.time()))

    def _send(self, outgoing: list[Outgoing]) -> list[Future[Delivery]]:
        return [self._deliverer.submit(o) for o in outgoing]

    # Raw deliveries for the app's request checks

    def verify_url(self, challenge: str | None = None) -> Delivery:
        """Slack's `url_verification` handshake."""
        identity = self._state.identity
        payload = {"token": identity.verification_token, "challenge": challenge or uuid.uuid4().hex,
                   "type": "url_verification"}
        with self._state.lock:
            outgoing = json_request(self._state.ids.next("Url"), "url_verification", "url_verification", payload)
        return self._deliverer.submit(outgoing).result()

    def send_raw(self, body: str | bytes, content_type: str = "application/json", *, signing: Signing = "valid",
                 timestamp_age: int = 0) -> Delivery:
        """Any body, signed correctly or badly (`bad`, `none`), optionally with an old timestamp."""
        with self._state.lock:
            outgoing = Outgoing(self._state.ids.next("Raw"), "raw", "raw", body, content_type)
        return self._deliverer.submit(outgoing, signing=signing, timestamp_age=timestamp_age).result()


def _replace_content(message: dict[str, Any], content: dict[str, Any]) -> None:
    # A replacement is the whole new message: parts it leaves out are gone.
    message["text"] = content.get("text") or ""
    message.pop("blocks", None)
    message.pop("attachments", None)
    if content.get("blocks"):
        message["blocks"] = with_block_ids(content["blocks"])
    if content.get("attachments"):
        message["attachments"] = numbered(content["attachments"])


def _find_button(blocks: list[dict[str, Any]], action_id: str, value: str | None) -> tuple[dict[str, Any], str] | None:
    for block in blocks:
        if block.get("type") == "actions":
            candidates = block.get("elements", [])
        elif block.get("type") == "section":
            candidates = [block.get("accessory")]
        else:
            continue
        for element in candidates:
            if (isinstance(element, dict) and element.get("type") == "button"
                    and element.get("action_id") == action_id and (value is None or element.get("value") == value)):
                return element, block["block_id"]
    return None


# What an input shows before anyone touches it; Slack submits it as the input's value.
_INITIAL_KEYS = {"plain_text_input": "initial_value", "number_input": "initial_value",
                 "email_text_input": "initial_value", "url_text_input": "initial_value", "users_select": "initial_user",
                 "multi_users_select": "initial_users", "conversations_select": "initial_conversation",
                 "channels_select": "initial_channel", "datepicker": "initial_date", "timepicker": "initial_time"}


def _view_state(blocks: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` for the input blocks, from values given by `action_id`; an input not given keeps
    what it was opened with (its initial value or option), as in Slack."""
    state: dict[str, Any] = {}
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block.get("element", {})
        action_id = element.get("action_id", "")
        given = values[action_id] if action_id in values else _initial(element)
        entry: dict[str, Any] = {"type": element.get("type")}
        if entry["type"] in _VALUE_KEYS:
            entry[_VALUE_KEYS[entry["type"]]] = given
        elif entry["type"] in _SINGLE_OPTION:
            entry["selected_option"] = next(iter(_options(element, [given] if given is not None else [])), None)
        elif entry["type"] in _MULTI_OPTION:
            entry["selected_options"] = _options(element, list(given or []))
        state.setdefault(block["block_id"], {})[action_id] = entry
    return state


def _initial(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in _SINGLE_OPTION:
        return (element.get("initial_option") or {}).get("value")
    if kind in _MULTI_OPTION:
        return [option.get("value") for option in element.get("initial_options") or []]
    return element.get(_INITIAL_KEYS.get(str(kind), ""))


def _options(element: dict[str, Any], wanted: list[str]) -> list[dict[str, Any]]:
    options = {o["value"]: o for o in element.get("options", [])}
    return [options.get(value, {"value": value}) for value in wanted]


def entities_escaped(text: str) -> str:
    """Command text as Slack always sends it: `&`, `<` and `>` as entities (docs.slack.dev/messaging/
    formatting-message-text#escaping), so what a person typed never reads as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_command_text(state: WorkspaceState, text: str) -> str:
    """What Slack sends for a command registered with "escape channels, users, and links" on.

    Entities escaped first (entities_escaped), then `@alice` becomes `<@U…|alice>`, `#ops` becomes
    `<#C…|ops>`, `@oncall` (a user group) becomes `<!subteam^S…|@oncall>`, and a URL becomes `<https://…>`;
    unknown names are left as typed.
    """

    def replace(match: re.Match[str]) -> str:
        sigil, name = match.group(1), match.group(2)
        if sigil == "#":
            channel = state.channel_by_ref(name)
            return f"<#{channel.id}|{channel.name}>" if channel else match.group(0)
        user = state.user_by_ref(name)
        if user:
            return f"<@{user['id']}|{user['name']}>"
        group = next((g for g in state.usergroups.values() if g["handle"] == name), None)
        return f"<!subteam^{group['id']}|@{name}>" if group else match.group(0)

    return _URL.sub(lambda link: f"<{link[0]}>", _MENTION.sub(replace, entities_escaped(text)))
