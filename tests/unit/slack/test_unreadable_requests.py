"""Request bodies that cannot be Slack payloads are refused before Bolt tries to parse them."""

from __future__ import annotations

import base64

import pytest

from klaxon.slack.app import unreadable


def event(body: str, content_type: str = "application/json", encoded: bool = False) -> dict:
    raw = base64.b64encode(body.encode()).decode() if encoded else body
    return {"body": raw, "isBase64Encoded": encoded, "headers": {"content-type": content_type}}


@pytest.mark.parametrize("body, content_type", [
    ('{"type":"event_callback","event":{"type":"message"}}', "application/json"),
    ('{"type":"url_verification","challenge":"x"}', "application/json"),
    ("", "application/json"),
    ('payload={"type":"block_actions"}', "application/x-www-form-urlencoded"),
    ("command=%2Fklaxon&text=help", "application/x-www-form-urlencoded"),
])
def test_slack_shaped_bodies_pass(body, content_type):
    assert unreadable(event(body, content_type)) is None


@pytest.mark.parametrize("body, content_type, problem", [
    ("{not json", "application/json", "not valid JSON"),
    ("[1, 2]", "application/json", "JSON object"),
    ('{"event": "a string"}', "application/json", "JSON object"),
    ("payload=%7Bbroken", "application/x-www-form-urlencoded", "not valid JSON"),
])
def test_garbage_is_named(body, content_type, problem):
    assert problem in unreadable(event(body, content_type))


def test_base64_bodies_are_decoded_first():
    assert unreadable(event("{not json", encoded=True)) == "the body is not valid JSON"
    assert unreadable(event('{"type":"event_callback"}', encoded=True)) is None
