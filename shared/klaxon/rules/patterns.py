r"""Rule patterns: RE2 written bare (`disk full`) or between slashes with flags (`/disk (full|\d+%)/i`).

Only the `i` flag exists; inside slashes a literal slash is written `\/`. A pattern is searched anywhere
in the text (like IMS's Go `MatchString`), with RE2's defaults: `.` does not match a newline and `^`/`$`
anchor the whole text; write `(?s)` or `(?m)` to change that.

Compilation is strictly RE2 (google-re2 has no fallback to Python's `re`): look-arounds and
backreferences are rejected, so no pattern can make matching slower than linear.
"""

from dataclasses import dataclass
from typing import Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

from klaxon.rules.errors import RuleError
from klaxon.wording import one_line

MAX_PATTERN_LENGTH = 1_000

# Why 1 MiB and not RE2's 8 MiB default: thousands of rules share one Lambda's memory. 1 MiB still
# compiles ordinary 1,000-character patterns, rejects ones that expand into huge programs (`\pL{200}`
# takes 0.2 s to compile at 8 MiB), and a DFA that outgrows it falls back to RE2's NFA: slower, still linear.
RE2_MAX_MEM = 1 << 20

_QUOTED_LENGTH = 80


class CompiledPattern(Protocol):
    """A compiled RE2 expression, as far as rules use one."""

    def search(self, text: str | bytes) -> object | None:
        """The first match in `text`, or None."""


@dataclass(frozen=True)
class ParsedPattern:
    """A pattern as stored on a rule: the RE2 source and whether case is ignored."""

    source: str
    ignore_case: bool


def parse_pattern(text: str) -> ParsedPattern:
    """Read a pattern as a user writes it (bare or `/…/i`) and check that it compiles under RE2.

    Surrounding whitespace is dropped; keep spaces at the ends by writing the pattern between slashes.
    """
    parsed = read_notation(text.strip())
    compile_re2(parsed.source, ignore_case=parsed.ignore_case)
    return parsed


def read_notation(text: str) -> ParsedPattern:
    """Split the bare or slashed notation without compiling; `/var/log full` is a bare pattern."""
    slashed = read_slashed(text)
    if slashed is None:
        return ParsedPattern(text, ignore_case=False)
    source, flags = slashed
    if flags and not flags.isalpha():
        # Text after the closing slash that is not flags: the slashes were part of a bare pattern.
        return ParsedPattern(text, ignore_case=False)
    unknown = sorted(set(flags) - {"i"})
    if unknown:
        raise RuleError(
            f'pattern "{quote(text)}" ends in unknown flag(s) {", ".join(unknown)}: only i (ignore case) '
            r"exists; to match a literal slash inside slashes write \/"
        )
    return ParsedPattern(source, ignore_case="i" in flags)


def format_pattern(source: str, ignore_case: bool) -> str:
    """The notation a user would type for this pattern; `parse_pattern` reads it back unchanged."""
    if not ignore_case and _reads_back_bare(source):
        return source
    return write_slashed(source) + ("i" if ignore_case else "")


def _reads_back_bare(source: str) -> bool:
    try:
        return source == source.strip() and read_notation(source) == ParsedPattern(source, False)
    except RuleError:  # e.g. `/var/log` reads as slashes with unknown flags
        return False


def read_slashed(text: str) -> tuple[str, str] | None:
    r"""Split `/body/rest` into the body (with `\/` unescaped) and the rest; None without both slashes."""
    if not text.startswith("/"):
        return None
    body: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            body.append("/" if escaped == "/" else char + escaped)
            index += 2
        elif char == "/":
            return "".join(body), text[index + 1 :]
        else:
            body.append(char)
            index += 1
    return None


def write_slashed(body: str) -> str:
    r"""Put a regex between slashes, escaping the slashes inside it as `\/`."""
    out: list[str] = []
    index = 0
    while index < len(body):
        if body[index] == "\\" and index + 1 < len(body):
            out.append(body[index : index + 2])
            index += 2
        else:
            out.append("\\/" if body[index] == "/" else body[index])
            index += 1
    return "/" + "".join(out) + "/"


def re2_options(ignore_case: bool) -> re2.Options:
    """The RE2 options every rule pattern and window regex is compiled with."""
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.never_capture = True  # only "does it match" is asked; no submatch tracking is faster
    options.max_mem = RE2_MAX_MEM
    options.log_errors = False  # errors become RuleError messages, not lines on stderr
    return options


def compile_re2(source: str, *, ignore_case: bool = False, what: str = "pattern") -> CompiledPattern:
    """Compile `source` strictly under RE2, or raise RuleError naming the problem.

    `what` names the thing in the message ("pattern", "time window regex").
    """
    if not source:
        raise RuleError(f"{what} is empty")
    if len(source) > MAX_PATTERN_LENGTH:
        raise RuleError(f"{what} is {len(source):,} characters long; the limit is {MAX_PATTERN_LENGTH:,}")
    try:
        compiled: CompiledPattern = re2.compile(source, re2_options(ignore_case))
        return compiled
    except re2.error as exc:
        raise RuleError(f'{what} "{quote(source)}" is not valid RE2: {_reason(exc)}') from None
    except UnicodeEncodeError:
        raise RuleError(f"{what} contains characters that are not valid text") from None


def quote(text: str) -> str:
    """A user's text for an error message: one line, shortened."""
    return one_line(text, _QUOTED_LENGTH)


def _reason(exc: Exception) -> str:
    reason = exc.args[0] if exc.args else "unknown error"
    # The C++ binding reports RE2's error text as bytes.
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
