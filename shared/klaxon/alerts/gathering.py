"""What a person reads in a Slack message, gathered into one text: the only reader of a message's content.

Rules match what `gathered_text` returns, grouping masks it, the repost shows it, `/klaxon rule test`
prints it, the "Declare incident" shortcut fills its form in with it and a pinned message's timeline entry
keeps it, so none of them can disagree about what a message says.

Where Slack carries text a person reads (Slack's formats: docs.slack.dev/messaging/formatting-message-text,
docs.slack.dev/reference/block-kit/blocks, docs.slack.dev/messaging/formatting-message-text#attachments):
- the message's `text` (mrkdwn: &, < and > arrive escaped as entities, links and mentions as <…> markup);
- blocks: `section` text and fields, `header`, `context` text elements, `rich_text` with every nested
  element (sections, lists, quotes, preformatted; text, link, user, usergroup, channel, broadcast, emoji,
  date, color), `markdown` (a plain string of standard Markdown, not a text object), the `title` and
  `description` of `image` and `video` blocks, and `table` cells; buttons, menus and inputs are controls,
  not content, and are left out;
- attachments: pretext, author name, title, text, fields (`title: value`), their blocks, fallback, footer;
- the titles of shared files.
What Slack adds by unfurling a link (link and media previews, app and message unfurls: attachments with
`from_url`, `original_url`, `is_app_unfurl`, `app_unfurl_url` or `is_msg_unfurl`) is not the author's
content and is never gathered.

The result stays in Slack's markup (plain text is escaped as mrkdwn wants), one part a line, without a
part that only repeats what is already there (a client sends what a person types as `text` and as a
rich_text block; an attachment's fallback usually repeats its title).

Any JSON value is accepted, whatever its shape (a string where a list belongs, nulls, numbers): what is
not text where text belongs is skipped, nothing raises. Nesting is walked with an explicit stack, never
by recursion, so rich text nested thousands of levels deep is read like any other. Lone UTF-16
surrogates (valid in JSON, not in UTF-8, so DynamoDB and Slack refuse them) become U+FFFD. The text is
cut at MAX_GATHERED_CHARS characters, ending with an ellipsis and CUT_NOTE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from klaxon.markup import escaped
from klaxon.rules.matcher import MAX_MATCHED_CHARS

MAX_GATHERED_CHARS = MAX_MATCHED_CHARS  # rules see all of it; a longer message is cut (and says so)
CUT_NOTE = " (cut: the message is longer than Klaxon reads)"
ELLIPSIS = "…"
_UNFURL_KEYS = ("from_url", "original_url", "is_app_unfurl", "app_unfurl_url", "is_msg_unfurl")

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BROADCASTS = ("here", "channel", "everyone")
_NEWLINE = "\n"


def gathered_text(message: object) -> str:
    """Everything a person reads in a Slack message (see the module docstring), as one mrkdwn text.

    `message` is a message object as Slack sends it in events and in conversations.history; any other
    JSON value gives "". At most MAX_GATHERED_CHARS characters, ending with CUT_NOTE when cut.
    """
    text = ""
    for part in _parts(message):
        part = clean(part).strip()
        # A fallback or a rich_text copy usually repeats what is already there: keep it only if new.
        if not part or part in text:
            continue
        text = f"{text}{_NEWLINE}{part}" if text else part
        if len(text) > MAX_GATHERED_CHARS:
            return truncate(text, MAX_GATHERED_CHARS, CUT_NOTE)
    return text


def truncate(text: str, limit: int, note: str = "") -> str:
    """At most `limit` characters, ending in an ellipsis and `note` when cut; the cut falls at a safe place,
    never inside <markup> or an &entity;, so a cut mrkdwn text stays valid."""
    if len(text) <= limit:
        return text
    suffix = f"{ELLIPSIS}{note}"
    cut = max(0, limit - len(suffix))
    opened, closed = text.rfind("<", 0, cut), text.rfind(">", 0, cut)
    if opened > closed:  # the cut falls inside a link, mention or channel reference
        cut = opened
    amp = text.rfind("&", max(0, cut - 8), cut)
    if amp != -1 and ";" not in text[amp:cut]:  # inside &amp; / &lt; / &gt;
        cut = amp
    return text[:cut].rstrip() + suffix


def clean(text: str) -> str:
    """The text with lone surrogates (from JSON's `\\ud800` escapes) replaced by U+FFFD, so it is valid UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _is_unfurl(attachment: object) -> bool:
    """Whether Slack added this attachment by unfurling a link, rather than the author attaching it."""
    return isinstance(attachment, Mapping) and any(attachment.get(key) for key in _UNFURL_KEYS)


# ---------------------------------------------------------------------- the message and its attachments
def _parts(message: object) -> Iterator[str]:
    if not isinstance(message, Mapping):
        return
    yield _string(message.get("text"))
    yield from _blocks(message.get("blocks"))
    for attachment in _items(message.get("attachments")):
        if isinstance(attachment, Mapping) and not _is_unfurl(attachment):
            yield from _attachment(attachment)
    for file in _items(message.get("files")):
        if isinstance(file, Mapping):
            yield escaped(_string(file.get("title")))


def _attachment(attachment: Mapping[str, Any]) -> Iterator[str]:
    for key in ("pretext", "author_name", "title", "text"):
        yield _string(attachment.get(key))
    for attached_field in _items(attachment.get("fields")):
        if isinstance(attached_field, Mapping):
            title, value = _string(attached_field.get("title")), _string(attached_field.get("value"))
            yield f"{title}: {value}" if title and value else title or value
    yield from _blocks(attachment.get("blocks"))
    yield _string(attachment.get("fallback"))
    yield _string(attachment.get("footer"))


# ---------------------------------------------------------------------- blocks
def _blocks(blocks: object) -> Iterator[str]:
    for block in _items(blocks):
        if isinstance(block, Mapping):
            yield from _block(block)


def _block(block: Mapping[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if kind in ("section", "header"):
        yield _text_object(block.get("text"))
        for section_field in _items(block.get("fields")):
            yield _text_object(section_field)
    elif kind == "context":
        yield " ".join(filter(None, (_text_object(element) for element in _items(block.get("elements")))))
    elif kind == "rich_text":
        yield _rich_text(block)
    elif kind == "markdown":  # a plain string of standard Markdown
        yield escaped(_string(block.get("text")))
    elif kind in ("image", "video"):
        yield _text_object(block.get("title"))
        yield _text_object(block.get("description"))
    elif kind == "table":
        yield _table(block.get("rows"))


def _text_object(text: object) -> str:
    """A Block Kit text object: mrkdwn as it is, plain_text escaped."""
    if not isinstance(text, Mapping):
        return ""
    value = _string(text.get("text"))
    return value if text.get("type") == "mrkdwn" else escaped(value)


def _table(rows: object) -> str:
    lines = []
    for row in _items(rows):
        cells = (_cell(cell) for cell in _items(row))
        lines.append(" | ".join(cell for cell in cells if cell))
    return _NEWLINE.join(line for line in lines if line)


def _cell(cell: object) -> str:
    if not isinstance(cell, Mapping):
        return ""
    return _rich_text(cell) if cell.get("type") == "rich_text" else escaped(_string(cell.get("text")))


# ---------------------------------------------------------------------- rich text
def _rich_text(block: Mapping[str, Any]) -> str:
    """A rich_text block's elements in order, walked with a stack (nesting depth costs no recursion)."""
    out: list[str] = []
    # The stack holds elements still to read and text to emit; children are pushed in reverse.
    stack: list[object] = list(reversed(_items(block.get("elements"))))
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not (item == _NEWLINE and out and out[-1].endswith(_NEWLINE)):  # one break ends nested blocks
                out.append(item)
        elif isinstance(item, Mapping):
            leaf = _rich_leaf(item)
            if leaf is not None:
                out.append(leaf)
            else:
                stack.extend(reversed(_container(item)))
    return "".join(out)


def _container(element: Mapping[str, Any]) -> list[object]:
    """What a section, list, quote or preformatted block stands for: its children, then a line break."""
    children = _items(element.get("elements"))
    if element.get("type") == "rich_text_list":
        bulleted: list[object] = []
        for child in children:
            bulleted += ["• ", child]
        return [*bulleted, _NEWLINE]
    return [*children, _NEWLINE]


def _rich_leaf(element: Mapping[str, Any]) -> str | None:
    """The text of a leaf element (None for a container); an unknown leaf gives its text, if any."""
    match element.get("type"):
        case "text":
            return escaped(_string(element.get("text")))
        case "link":
            url, label = _markup_safe(_string(element.get("url"))), escaped(_string(element.get("text")))
            return f"<{url}|{label}>" if url and label else f"<{url}>" if url else label
        case "user":
            return f"<@{_markup_safe(_string(element.get('user_id')))}>"
        case "usergroup":
            return f"<!subteam^{_markup_safe(_string(element.get('usergroup_id')))}>"
        case "channel":
            return f"<#{_markup_safe(_string(element.get('channel_id')))}>"
        case "broadcast":
            scope = _string(element.get("range"))
            return f"<!{scope}>" if scope in _BROADCASTS else ""
        case "emoji":
            return f":{_markup_safe(_string(element.get('name')))}:"
        case "date":
            return escaped(_string(element.get("fallback")) or _string(element.get("timestamp")))
        case "color":
            return escaped(_string(element.get("value")))
    if "elements" in element:
        return None
    return escaped(_string(element.get("text")))


def _markup_safe(value: str) -> str:
    """An id or URL placed inside <…> markup: nothing that could close it or start a label."""
    return value.translate({ord(char): None for char in "<>|"})


# ---------------------------------------------------------------------- shapes
def _items(value: object) -> list[Any]:
    """A JSON array's items; anything else (a string, a number, null, an object) has none."""
    return list(value) if isinstance(value, list | tuple) else []


def _string(value: object) -> str:
    """A JSON string; any other value is not text and gives ""."""
    return value if isinstance(value, str) else ""
