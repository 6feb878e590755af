"""Grouping: a repeat of the same alert gets the same fingerprint, so it updates one post instead of reposting.

Masks, applied in this order (RE2, so linear on any input; letters in any case):
  <uuid>  8-4-4-4-12 hex UUIDs
  <time>  ISO timestamps (2024-05-01T12:00:00Z, 2024-05-01 12:00:00.123+09:00), then clock times (12:00, 12:00:05)
  <date>  dates: 2024-05-01, 2024/05/01
  <ip>    IPv4 addresses with an optional :port, and IPv6 addresses (three or more colons and a digit)
  <id>    Slack-style ids: a capital letter then 8 or more capitals and digits, at least one a digit (C021C9EC76C)
  <hex>   0x-prefixed hex, and hex words of 6 or more characters mixing letters and digits (shas, request ids)
  <num>   numbers that stand alone: 42, 91%, 1.5, 1,024, and with a unit of time or size: 30s, 200ms, 512MB
Then whitespace runs become one space, the text is case-folded, and the fingerprint is the first 16 hex
characters of SHA-256 over the rule id and the masked text. Digits inside words (db1, host12) are kept:
they name a different thing rather than a different reading; `host-12` is masked (the dash separates).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from klaxon.rules.matcher import MAX_MATCHED_CHARS

FINGERPRINT_LENGTH = 16


@dataclass(frozen=True)
class _Mask:
    """One kind of variable part: where it is, its placeholder, and a check RE2 cannot express."""

    pattern: Any  # a compiled re2 expression
    placeholder: str
    applies: Callable[[str], bool] = lambda found: True

    def apply(self, text: str) -> str:
        return str(self.pattern.sub(lambda match: self.placeholder if self.applies(match[0]) else match[0], text))


def _regex(pattern: str, *, ignore_case: bool = True) -> Any:
    options = re2.Options()
    options.case_sensitive = not ignore_case
    return re2.compile(pattern, options)


def _has_digit(found: str) -> bool:
    return any(char.isdigit() for char in found)


def _mixes_letters_and_digits(found: str) -> bool:
    return _has_digit(found) and any(char.isalpha() for char in found)


_HEX = "[0-9a-f]"
_UNIT = "(?:ms|us|ns|s|m|h|d|b|kb|mb|gb|tb|kib|mib|gib|tib)"
_MASKS = (
    _Mask(_regex(rf"\b{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b"), "<uuid>"),
    _Mask(_regex(r"\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?\b"), "<time>"),
    _Mask(_regex(r"\b\d{4}[-/]\d{2}[-/]\d{2}\b"), "<date>"),
    _Mask(_regex(r"\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\b"), "<time>"),
    _Mask(_regex(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"), "<ip>"),
    _Mask(_regex(rf"{_HEX}{{0,4}}(?::{_HEX}{{0,4}}){{3,7}}"), "<ip>", _has_digit),
    _Mask(_regex(r"\b[A-Z][A-Z0-9]{8,}\b", ignore_case=False), "<id>", _has_digit),
    _Mask(_regex(rf"\b0x{_HEX}+\b"), "<hex>"),
    _Mask(_regex(rf"\b{_HEX}{{6,}}\b"), "<hex>", _mixes_letters_and_digits),
    _Mask(_regex(rf"\b\d+(?:[.,]\d+)*(?:%|{_UNIT}?\b)"), "<num>"),
)
_WHITESPACE = _regex(r"\s+")


def fingerprint(rule_id: str, text: str) -> str:
    """A short stable hash of the alert: the same rule and the same text once variable parts are masked."""
    masked = mask_variables(text[:MAX_MATCHED_CHARS])
    digest = hashlib.sha256(f"{rule_id}\n{masked}".encode("utf-8", errors="replace"))
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def mask_variables(text: str) -> str:
    """The text with its variable parts replaced by placeholders (see the module docstring)."""
    for mask in _MASKS:
        text = mask.apply(text)
    return str(_WHITESPACE.sub(" ", text)).strip().casefold()
