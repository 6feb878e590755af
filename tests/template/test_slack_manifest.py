"""The Slack app manifest asks for exactly what Klaxon's code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infra.slack_emulator.spec import default_spec_path
from infra.slack_emulator.spec_supplement import NEWER_METHODS
from infra.slack_manifest import main, manifest
from klaxon.slack.actions import CallbackId
from klaxon.slack.scopes import METHOD_SCOPES, REQUIRED_SCOPES, SDK_HELPERS

SLACK_ADAPTER = Path(__file__).resolve().parents[2] / "shared" / "klaxon" / "slack"  # the only slack_sdk user
_CALL = re.compile(r"\bclient\.([a-z]+(?:_[a-zA-Z]+)+)\(")
_LISTENER = re.compile(r'\bapp\.(command|event|shortcut)\((?:"([^"]+)"|CallbackId\.([A-Z_]+)\.value)\)')


def web_api_methods_in_code() -> set[str]:
    """Every slack_sdk WebClient method Klaxon calls, as Web API method names (chat_postMessage → chat.postMessage;
    a helper such as files_upload_v2 as the methods it calls)."""
    found = set()
    for source in SLACK_ADAPTER.rglob("*.py"):
        for method in _CALL.findall(source.read_text()):
            name = method.replace("_", ".")
            found |= set(SDK_HELPERS.get(name, (name,)))
    return found


def test_every_method_the_code_calls_has_its_scope_in_the_manifest():
    called = web_api_methods_in_code()
    assert called, "the scan finds the calls"
    assert called <= set(METHOD_SCOPES), f"add to METHOD_SCOPES: {sorted(called - set(METHOD_SCOPES))}"


def test_every_method_in_the_table_is_in_slacks_published_spec_or_its_newer_methods():
    paths = json.loads(default_spec_path().read_text())["paths"]
    known = {path.lstrip("/") for path in paths} | set(NEWER_METHODS)
    assert set(METHOD_SCOPES) <= known, sorted(set(METHOD_SCOPES) - known)


def test_the_commands_are_escaped_and_everything_goes_to_one_request_url():
    app = manifest("https://example.execute-api.us-east-1.amazonaws.com/slack/events")
    commands = app["features"]["slash_commands"]
    assert [command["command"] for command in commands] == ["/klaxon", "/incident"]
    assert all(command["should_escape"] is True for command in commands)
    urls = {*(command["url"] for command in commands), app["settings"]["event_subscriptions"]["request_url"],
            app["settings"]["interactivity"]["request_url"]}
    assert urls == {"https://example.execute-api.us-east-1.amazonaws.com/slack/events"}
    assert {"chat:write", "reactions:read", "commands", "channels:history"} <= set(app["oauth_config"]["scopes"]["bot"])


def test_declared_incidents_get_their_shortcut_events_and_scopes():
    app = manifest("https://x.example/slack/events")
    (shortcut,) = app["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", CallbackId.DECLARE_FROM_MESSAGE.value)
    assert {"pin_added", "pin_removed"} <= set(app["settings"]["event_subscriptions"]["bot_events"])
    assert {"channels:manage", "groups:write", "bookmarks:write", "pins:read", "files:write", "users:read"} <= set(
        app["oauth_config"]["scopes"]["bot"])


def test_the_command_line_prints_json_and_refuses_plain_http(capsys):
    assert main(["--request-url", "https://x.example/slack/events"]) == 0
    assert json.loads(capsys.readouterr().out)["display_information"]["name"] == "Klaxon"
    try:
        main(["--request-url", "http://x.example/slack/events"])
    except SystemExit as refused:
        assert refused.code == 2
    else:
        raise AssertionError("plain http must be refused")


def keys(node: object) -> set[str]:
    """Every key at any depth of a JSON document."""
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in keys(value)}
    if isinstance(node, list):
        return {key for value in node for key in keys(value)}
    return set()


def test_the_socket_mode_manifest_has_everything_but_urls(capsys):
    over_http = manifest("https://x.example/slack/events")

    assert main(["--socket-mode"]) == 0
    app = json.loads(capsys.readouterr().out)

    assert app["settings"]["socket_mode_enabled"] is True and over_http["settings"]["socket_mode_enabled"] is False
    assert not {"url", "request_url"} & keys(app)  # no request URL anywhere
    assert app["oauth_config"] == over_http["oauth_config"]
    assert app["settings"]["event_subscriptions"]["bot_events"] == over_http["settings"]["event_subscriptions"][
        "bot_events"]
    assert [command["command"] for command in app["features"]["slash_commands"]] == ["/klaxon", "/incident"]
    assert app["features"]["shortcuts"] == over_http["features"]["shortcuts"]
    assert app["settings"]["interactivity"] == {"is_enabled": True}


def test_the_command_line_takes_a_request_url_or_socket_mode_not_both():
    for argv in ([], ["--socket-mode", "--request-url", "https://x.example/slack/events"]):
        try:
            main(argv)
        except SystemExit as refused:
            assert refused.code == 2
        else:
            raise AssertionError(f"{argv} must be refused")


def test_people_can_write_to_klaxon_directly_since_a_direct_message_gets_its_reply():
    for app in (manifest("https://x.example/slack/events"), manifest(None)):
        assert "message.im" in app["settings"]["event_subscriptions"]["bot_events"]
        assert app["features"]["app_home"]["messages_tab_enabled"] is True
        assert app["features"]["app_home"]["messages_tab_read_only_enabled"] is False


def test_the_manifest_asks_for_the_one_table_of_scopes_the_doctor_checks():
    assert set(manifest(None)["oauth_config"]["scopes"]["bot"]) == REQUIRED_SCOPES
    assert {"channels:read", "groups:read"} <= REQUIRED_SCOPES, "the doctor lists Klaxon's channels, private ones too"


def listeners_in_code() -> dict[str, set[str]]:
    """What the Bolt app listens to, by kind: the commands, events and shortcuts' callback ids it registers."""
    found: dict[str, set[str]] = {"command": set(), "event": set(), "shortcut": set()}
    for source in (SLACK_ADAPTER / "listeners").rglob("*.py"):
        for kind, name, callback in _LISTENER.findall(source.read_text()):
            found[kind].add(name or CallbackId[callback].value)
    return found


def test_both_manifests_send_every_command_shortcut_and_event_the_app_listens_to():
    """A listener Slack is never told to send to never runs: issue 12's /incident, its message shortcut and
    pin events were added to the app and must be in the manifest, over HTTP and over Socket Mode alike."""
    listening = listeners_in_code()
    assert {"/klaxon", "/incident"} <= listening["command"] and listening["shortcut"], "the scan finds them"
    for app in (manifest("https://x.example/slack/events"), manifest(None)):
        events = set(app["settings"]["event_subscriptions"]["bot_events"])
        assert {command["command"] for command in app["features"]["slash_commands"]} == listening["command"]
        assert {shortcut["callback_id"] for shortcut in app["features"]["shortcuts"]} == listening["shortcut"]
        # Bolt's `message` listener hears every kind of message event the manifest subscribes to.
        assert {event.split(".")[0] for event in events} == listening["event"]
        assert {"message.channels", "message.groups", "message.im"} <= events
