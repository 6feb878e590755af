"""Slack markup as safe HTML: formatting and references readable, anything typed inert."""

from __future__ import annotations

import pytest

from klaxon.web.mrkdwn import ALLOWED_TAGS, plain, to_html
from tests.html_tags import Tags

NAMES = {"U1": "alice", "C1": "incidents", "S1": "ops-leads"}.get


@pytest.mark.parametrize(("text", "html"), [
    ("*bold* _italic_ ~struck~", "<b>bold</b> <i>italic</i> <s>struck</s>"),
    ("`x &lt; y`", "<code>x &lt; y</code>"),
    ("```one\ntwo```", "<pre>one<br>two</pre>"),
    ("snake_case_name 2*3*4 ~/path", "snake_case_name 2*3*4 ~/path"),
    ("<@U1> in <#C1|old-name> told <!subteam^S1|@leads> and <!here>",
     '<span class="ref">@alice</span> in <span class="ref">#incidents</span> told <span class="ref">@leads</span> '
     'and <span class="ref">@here</span>'),
    ("<@U9>", '<span class="ref">@U9</span>'),
    ("<https://example.com/a?b=1&amp;c=2|the runbook>",
     '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">the runbook</a>'),
])
def test_formatting_and_references_read_as_in_slack(text: str, html: str) -> None:
    assert str(to_html(text, NAMES)) == html


@pytest.mark.parametrize("text", [
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&lt;img src=x onerror=alert(1)&gt;",
    "<javascript:alert(1)|click me>",
    '<https://x" onmouseover="alert(1)|x>',
    "*&lt;b onclick=alert(1)&gt;*",
    "<data:text/html;base64,PHNjcmlwdD4=|data>",
    "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;",
    "&lt;style&gt;body{display:none}&lt;/style&gt;",
])
def test_nothing_typed_becomes_a_tag_an_event_handler_or_a_script_link(text: str) -> None:
    tags = Tags()
    tags.feed(str(to_html(text, NAMES)))
    assert {tag for tag, _ in tags.seen} <= ALLOWED_TAGS
    attributes = [(name, value or "") for _, attrs in tags.seen for name, value in attrs]
    assert not [name for name, _ in attributes if name.startswith("on")]
    assert all(value.startswith(("https://", "http://", "mailto:")) for name, value in attributes if name == "href")


def test_plain_text_for_titles() -> None:
    assert plain("<@U1> &amp; <#C1> &lt;3", NAMES) == "@alice & #incidents <3"
