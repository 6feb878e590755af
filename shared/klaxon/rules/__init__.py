"""Alert rules, the pure domain: patterns, time windows, matching, grouping and IMS.ini import.

Knows nothing of AWS, Slack SDKs or I/O; the edges turn payloads and records into these types.
"""

from klaxon.rules.errors import RuleError
from klaxon.rules.grouping import fingerprint, mask_variables
from klaxon.rules.ims_import import ImsImport, import_ims
from klaxon.rules.matcher import MAX_MATCHED_CHARS, Consideration, Exclusion, Explanation, RuleBook
from klaxon.rules.model import Action, ChannelDefault, Rule, new_rule_id
from klaxon.rules.patterns import MAX_PATTERN_LENGTH, ParsedPattern, format_pattern, parse_pattern
from klaxon.rules.windows import ClockPattern, TimeWindow, WeeklyHours

__all__ = [
    "MAX_MATCHED_CHARS",
    "MAX_PATTERN_LENGTH",
    "Action",
    "ChannelDefault",
    "ClockPattern",
    "Consideration",
    "Exclusion",
    "Explanation",
    "ImsImport",
    "ParsedPattern",
    "Rule",
    "RuleBook",
    "RuleError",
    "TimeWindow",
    "WeeklyHours",
    "fingerprint",
    "format_pattern",
    "import_ims",
    "mask_variables",
    "new_rule_id",
    "parse_pattern",
]
