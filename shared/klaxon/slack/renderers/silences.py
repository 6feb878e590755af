"""Silences as /klaxon shows them: `silence list`, a silence added or ended (also the audit trail's words),
and the count of alerts silences held back that /klaxon report adds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from klaxon.alerts.model import Alert
from klaxon.silences.model import Silence
from klaxon.slack.mrkdwn import slack_date, unmentioned
from klaxon.wording import counted, one_line

COMMENT_SHOWN = 120
SILENCES_NAMED = 10  # in the report's count, the silences that held back most, by name


def matchers_text(silence: Silence) -> str:
    """`host="db-7", severity!="info"`, as it can be typed again."""
    return unmentioned(", ".join(str(matcher) for matcher in silence.matchers))


def silence_line(silence: Silence, now: datetime) -> str:
    """• `s-3fa2c1` host="db-7" · until <date> · by <@U…> · “disk swap”  (or: ended <date>, expired by <@U…>)."""
    if silence.is_active(now):
        when = f"until {slack_date(silence.ends_at)}"
    else:
        early = f", expired by <@{silence.expired_by}>" if silence.expired_by else ""
        when = f"ended {slack_date(silence.ends_at)}{early}"
    comment = f" · “{unmentioned(one_line(silence.comment, COMMENT_SHOWN))}”" if silence.comment else ""
    return f"• `{silence.id}` {matchers_text(silence)} · {when} · by <@{silence.created_by}>{comment}"


def silence_list(silences: Sequence[Silence], now: datetime) -> str:
    """`silence list`: those in force (ending soonest first), then those ended in the last day."""
    active = [silence for silence in silences if silence.is_active(now)]
    ended = [silence for silence in silences if not silence.is_active(now)]
    if not silences:
        return 'No silences. Add one: `/klaxon silence host=db-7 for 2h comment "disk swap"`'
    lines = [f"*{counted(len(active), 'silence')} in force*" + ("" if active else ".")]
    lines += [silence_line(silence, now) for silence in active]
    if ended:
        lines.append("*Ended in the last day:*")
        lines += [silence_line(silence, now) for silence in ended]
    return "\n".join(lines)


def silence_added(silence: Silence) -> str:
    comment = f" (“{unmentioned(one_line(silence.comment, COMMENT_SHOWN))}”)" if silence.comment else ""
    return f"silence `{silence.id}` on {matchers_text(silence)} until {slack_date(silence.ends_at)}{comment}: " \
           "matching alerts are recorded, neither posted nor paged"


def silence_expired(silence: Silence) -> str:
    return f"expired silence `{silence.id}` on {matchers_text(silence)}: matching alerts are posted again"


def silenced_count(silenced: Sequence[Alert], limit: int) -> str:
    """What /klaxon report adds: how many alerts silences held back in the last day, and by which silence."""
    if not silenced:
        return ""
    shown = f"{limit}+" if len(silenced) >= limit else str(len(silenced))
    by_silence = Counter(alert.silenced_by for alert in silenced).most_common(SILENCES_NAMED)
    named = ", ".join(f"`{silence_id}` {count}" for silence_id, count in by_silence)
    noun = "alert" if shown == "1" else "alerts"
    return f":no_bell: *{shown} {noun} silenced* in the last 24h (recorded, not posted): {named}"
