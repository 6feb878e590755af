"""Slack's message markup: the three entities Slack escapes in message text (`&amp;`, `&lt;`, `&gt;`;
docs.slack.dev/messaging/formatting-message-text#escaping), so `<` typed by a person never opens markup.

Text Klaxon keeps from people is kept in this markup: message text arrives so, and what is typed in
Klaxon's forms (which Slack hands over raw) is escaped the same way on the way in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

type Names = Callable[[str], str | None]
"""A Slack id (a person, a channel, a user group) → its name now, or None when it is not known."""

_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))  # &amp; last, so `&amp;lt;` stays `&lt;`
_MARKUP = re.compile(r"<([^<>]*)>")
_NAMED = re.compile(r"([#@])([CGDUW][A-Z0-9]+)(?:\|([^|]*))?"  # a channel or a person
                    r"|!subteam\^(S[A-Z0-9]+)(?:\|@?([^|]*))?"  # a user group
                    r"|!(here|channel|everyone)\b.*")  # a broadcast


def escaped(text: str) -> str:
    """Plain text as Slack's markup: `&`, `<` and `>` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescaped(text: str) -> str:
    """Slack's markup's entities back as the characters people typed (markup such as `<@U1>` is left as is)."""
    for entity, character in _ENTITIES:
        text = text.replace(entity, character)
    return text


def readable(text: str, names: Names | None = None) -> str:
    """Slack's markup as a person would type it: `<@U1|alice>` → `@alice`, `<#C1|ops>` → `#ops`, a user group
    → `@handle`, `<!here>` → `@here`, a link → its text, a date → its fallback text; entities as characters.

    With `names`, people and channels are shown by their name now (a label in the markup is the name they had
    when the text was written, and Slack leaves it out of newer mentions: `<@U1>`), falling back to the label,
    then the id. For filling a form in, page titles and the postmortem.
    """

    def shown(markup: re.Match[str]) -> str:
        found = _NAMED.fullmatch(markup[1])
        if found is None:  # a link (`url|text` or `url`), or a date (`!date^…|fallback`)
            return markup[1].rpartition("|")[2] or markup[1]
        sigil, ref, label, group, handle, broadcast = found.groups()
        if broadcast:
            return f"@{broadcast}"
        if group:
            return f"@{handle or _named(names, group) or group}"
        return f"{sigil}{_named(names, ref) or label or ref}"

    return unescaped(_MARKUP.sub(shown, text))


def _named(names: Names | None, slack_id: str) -> str | None:
    return names(slack_id) if names else None
