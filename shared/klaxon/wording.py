"""How Klaxon words what it says: counts (`1 alert`, `3 alerts`), and what people typed, quoted back."""

import re

# What str.splitlines() breaks at: every line boundary Slack or Python might render as a new line.
_LINE_BREAKS = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and the noun, singular for one and plural (`noun` + s unless given) otherwise."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def one_line(text: str, limit: int) -> str:
    """`text` as one line of at most `limit` characters: line breaks shown as ⏎, a cut marked with ….

    For messages that quote what someone typed or pasted, which may be megabytes over many lines:
    only the first `limit` characters are read, so the cost does not grow with the input.
    """
    shown = _LINE_BREAKS.sub("⏎", text[:limit])
    return shown if len(text) <= limit else shown[: limit - 1] + "…"
