"""How much one rule file (IMS.ini, or Klaxon's YAML export) may hold when it is imported.

An import arrives as the text of one `/klaxon` command and is read inside the Slack function (512 MB,
30 s), so its size is capped before anything is parsed. A Slack message holds 40,000 characters (the
limit chat.postMessage documents for `text`); 128 KiB leaves room for three bytes of UTF-8 each.
The rules cap keeps the stored rule set within one DynamoDB item (400 KB of rule references; see
klaxon/dynamo/configuration.py) and within what bench/rule_matching.py measured (10,000 rules).
"""

from klaxon.rules.errors import RuleError

MAX_RULE_FILE_BYTES = 128 * 1024
MAX_RULES = 10_000


def check_rule_file_size(text: str) -> None:
    """Refuse a file over MAX_RULE_FILE_BYTES of UTF-8 (RuleError), before any of it is read."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_RULE_FILE_BYTES:
        raise RuleError(f"the file is {size:,} bytes; an import takes at most {MAX_RULE_FILE_BYTES:,}")


def check_rule_count(count: int) -> None:
    """Refuse a file of more than MAX_RULES rules (RuleError), before any rule is built."""
    if count > MAX_RULES:
        raise RuleError(f"the file has {count:,} rules; Klaxon keeps at most {MAX_RULES:,}")
