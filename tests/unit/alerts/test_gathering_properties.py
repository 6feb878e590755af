"""Properties of reading a message, over any JSON Slack (or anyone holding the signing secret) could send."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaxon.alerts.gathering import CUT_NOTE, MAX_GATHERED_CHARS, gathered_text
from klaxon.rules.ims_import import ims_message_text
from klaxon.slack.inbound import channel_message
from klaxon.slack.mrkdwn import unmentioned

# Any character, lone surrogates included (JSON's \ud800 escapes reach Python as such).
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
# Slack's own keys and values, so the generated JSON reaches every reader, not only the first `isinstance`.
KEYS = st.sampled_from(["type", "text", "blocks", "elements", "attachments", "fields", "title", "value", "fallback",
                        "pretext", "footer", "author_name", "rows", "url", "user_id", "usergroup_id", "channel_id",
                        "range", "name", "description", "files", "from_url", "subtype", "message", "ts", "user",
                        "bot_id", "channel", "edited", "previous_message", "color"]) | TEXT
KINDS = st.sampled_from(["section", "header", "context", "rich_text", "markdown", "image", "video", "table",
                         "rich_text_section", "rich_text_list", "rich_text_quote", "rich_text_preformatted", "text",
                         "link", "user", "usergroup", "channel", "broadcast", "emoji", "date", "color", "mrkdwn",
                         "plain_text", "raw_text", "message_changed", "bot_message", "here"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT | KINDS
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=6),
                    max_leaves=60)
MESSAGE = st.dictionaries(KEYS, JSON, max_size=8)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(JSON, MESSAGE))
def test_any_json_gathers_to_bounded_valid_text(message):
    gathered = gathered_text(message)
    assert isinstance(gathered, str)
    gathered.encode("utf-8")  # never a lone surrogate: DynamoDB and Slack take it
    assert len(gathered) <= MAX_GATHERED_CHARS or gathered.endswith(CUT_NOTE)
    assert gathered == gathered_text(json.loads(json.dumps(message)))  # a function of the JSON alone


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(MESSAGE)
def test_any_event_is_a_message_or_none_and_what_ims_matched_is_text_or_none(event):
    message = channel_message(event)
    assert message is None or (message.channel and message.ts and message.poster)
    assert ims_message_text(event) is None or isinstance(ims_message_text(event), str)


MENTION = re.compile(r"<(?:@|!subteam\^|!(?:here|channel|everyone|group))")
PIECES = st.sampled_from(["<!here>", "<!here|here>", "<!channel|@channel>", "<!everyone>", "<!subteam^S1>",
                          "<!subteam^S1|@ops>", "<@U1>", "<@W1|bo>", "<", ">", "|", "!", "@", " "])


@settings(max_examples=300)
@given(st.lists(PIECES | TEXT, max_size=30))
def test_no_mention_survives_into_a_repost(pieces):
    assert not MENTION.search(unmentioned("".join(pieces)))
