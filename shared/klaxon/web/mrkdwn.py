"""Slack's markup as readable, safe HTML for the incident pages.

Slack text (docs.slack.dev/messaging/formatting-message-text) escapes `&`, `<` and `>` as entities and
writes references in angle brackets: `<@U123>` people, `<#C123|name>` channels, `<!subteam^S1>` groups,
`<!here>`, `<https://x|label>` links, `<!date^…|fallback>` dates. Formatting is `*bold*`, `_italic_`,
`~strike~`, `` `code` `` and ``` ```blocks``` ```. References are read by klaxon.markup (the one reader of
Slack's markup); everything is escaped first and only then given markup, and the result goes through nh3
(the ammonia sanitiser) with an allow-list, so nothing a person typed can become a tag or a script.
"""

from __future__ import annotations

import html
import re

import nh3
from markupsafe import Markup

from klaxon.markup import Names, readable, unescaped

ALLOWED_TAGS = {"b", "i", "s", "code", "pre", "a", "br", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
LINK_SCHEMES = ("http://", "https://", "mailto:")
_REFERENCE = re.compile(r"<([^<>\n]{1,2000})>")
_KEPT = re.compile("\x00(\\d+)\x00")
_FORMATS = [
    (re.compile(r"```(.+?)```", re.S), r"<pre>\1</pre>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])"), r"<s>\1</s>"),
]


def to_html(text: str, names: Names) -> Markup:
    """`text` in Slack's markup as sanitised HTML (a Markup, so templates do not escape it again)."""
    references: list[str] = []

    def keep(match: re.Match[str]) -> str:
        references.append(_reference(match[1], names))
        return f"\x00{len(references) - 1}\x00"

    body = html.escape(unescaped(_REFERENCE.sub(keep, text)), quote=False)
    for pattern, replacement in _FORMATS:
        body = pattern.sub(replacement, body)
    body = _KEPT.sub(lambda m: references[int(m[1])], body.replace("\n", "<br>"))
    return Markup(nh3.clean(body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))


def plain(text: str, names: Names) -> str:
    """`text` with references as names and no markup, for titles and other plain places."""
    return readable(text, names)


def _reference(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith(LINK_SCHEMES):
        return f'<a href="{html.escape(unescaped(target))}">{html.escape(unescaped(label or target))}</a>'
    return f'<span class="ref">{html.escape(readable(f"<{inner}>", names))}</span>'
