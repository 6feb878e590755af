"""The tags and attributes a browser's parser would see in some HTML (for tests that nothing typed became one)."""

from __future__ import annotations

from html.parser import HTMLParser


class Tags(HTMLParser):
    """Feed it HTML; `seen` lists each start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))
