"""Slack's markup as readable, safe HTML for the incident pages.

Slack text (https://api.slack.com/reference/surfaces/formatting) escapes `&`, `<` and `>` as entities and
writes references in angle brackets: `<@U123>` people, `<#C123|name>` channels, `<!subteam^S1>` groups,
`<!here>`, `<https://x|label>` links. Formatting is `*bold*`, `_italic_`, `~strike~`, `` `code` `` and
``` ```blocks``` ```. Everything is escaped first and only then given markup, and the result goes through
nh3 (the ammonia sanitiser) with an allow-list, so nothing a person typed can become a tag or a script.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"b", "i", "s", "code", "pre", "a", "br", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
_REFERENCE = re.compile(r"<([^<>\n]{1,2000})>")
_TOKEN = "\x00{}\x00"
_FORMATS = [
    (re.compile(r"```(.+?)```", re.S), r"<pre>\1</pre>"),
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])"), r"<s>\1</s>"),
]

Names = Callable[[str], str | None]  # an id (user, channel, group) → its name, or None when unknown


def to_html(text: str, names: Names) -> Markup:
    """`text` in Slack's markup as sanitised HTML (a Markup, so templates do not escape it again)."""
    references: list[str] = []

    def keep(match: re.Match[str]) -> str:
        references.append(_reference(match[1], names))
        return _TOKEN.format(len(references) - 1)

    body = html.escape(_unescape(_REFERENCE.sub(keep, text)), quote=False)
    for pattern, replacement in _FORMATS:
        body = pattern.sub(replacement, body)
    body = body.replace("\n", "<br>")
    body = re.sub("\x00(\\d+)\x00", lambda m: references[int(m[1])], body)
    return Markup(nh3.clean(body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))


def plain(text: str, names: Names) -> str:
    """`text` with references as names and no markup, for titles and other plain places."""
    return _unescape(_REFERENCE.sub(lambda m: _label(m[1], names), text))


def _reference(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith(("http://", "https://", "mailto:")):
        return f'<a href="{html.escape(_unescape(target))}">{html.escape(_unescape(label or target))}</a>'
    return f'<span class="ref">{html.escape(_label(inner, names))}</span>'


def _label(inner: str, names: Names) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (names(target[1:]) or label or target[1:])
    if target.startswith("#"):
        return "#" + (names(target[1:]) or label or target[1:])
    if target.startswith("!subteam^"):
        return "@" + (label.lstrip("@") or names(target[9:]) or target[9:])
    if target.startswith("!"):
        return "@" + target[1:].split("^")[0]
    return _unescape(label or target)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
