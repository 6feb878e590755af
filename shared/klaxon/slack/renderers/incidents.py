"""Declared incidents as Slack shows them: the headline post (redrawn in place on every change), Klaxon's
first post in a comms channel and its topic, what the channel is told, reminders, the postmortem request,
answers to commands, and setbacks told to whoever asked - all in Block Kit (slack_sdk's models) or mrkdwn.

Stored texts are in Slack's markup already; they are shown `quieted`: a broadcast (`@here`) or a user
group written in a summary or a note never notifies anyone from Klaxon's posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from klaxon.alerts.gathering import truncate
from klaxon.incidents.durations import spoken
from klaxon.incidents.events import IncidentChanged, Via
from klaxon.incidents.history import Figures, History
from klaxon.incidents.model import MAX_SUMMARY_CHARS, ActionState, Incident, Severity, Status
from klaxon.incidents.outcomes import (
    ALERT_TAKEN,
    NO_FREE_NAME,
    NO_POLICY,
    NO_THREAD,
    ActionsShown,
    DocShown,
    Done,
    DurationShown,
    FieldShown,
    HelpShown,
    HistoryShown,
    Outcome,
    PostmortemShared,
    Refused,
    Setback,
    Step,
    TimelineShown,
)
from klaxon.incidents.reminders import Reminder, ReminderKind
from klaxon.incidents.timeline import TimelineEntry
from klaxon.incidents.usage import help_text
from klaxon.markup import escaped, readable
from klaxon.paging.policies import took
from klaxon.slack.actions import ActionId
from klaxon.slack.mrkdwn import placeholders_shown, quieted, slack_date
from klaxon.slack.renderers.alerts import FALLBACK_LIMIT, SECTION_LIMIT
from klaxon.slack.trouble import slack_refusal
from klaxon.web.links import DEFAULT_LIFETIME

FIELD_LIMIT = 2000  # Slack's limit for a section field's text
LINK_LIFE = spoken(DEFAULT_LIFETIME)
NO_LINKS = "This Klaxon gives no links to its pages: it has no link key or public address (see its README)."
TOPIC_LIMIT = 250  # Slack's limit for a channel topic
ANSWER_LIMIT = 3000
TIMELINE_SHOWN = 50  # entries `@klaxon timeline` lists before "…and N earlier"
HISTORY_SHOWN = 15  # incidents `/incident list` lists before "…and N more on the list page"
HISTORY_SUMMARY = 80  # characters of a summary in that list

SEVERITY_BADGE = {Severity.CRITICAL: ":red_circle:", Severity.MAJOR: ":large_orange_circle:",
                  Severity.MINOR: ":large_yellow_circle:", Severity.TRIVIAL: ":white_circle:"}
STATUS_BADGE = {Status.INVESTIGATING: ":mag:", Status.IDENTIFIED: ":dart:", Status.MONITORING: ":eyes:",
                Status.RESOLVED: ":white_check_mark:", Status.CLOSED: ":lock:"}


# ---------------------------------------------------------------------- the headline post
def headline_blocks(incident: Incident, doc: str | None, now: datetime) -> list[Block]:
    """The headline post: what, how bad, where it stands, who, since when, where to talk, and what can be
    done now (buttons that no longer apply are gone; a closed incident has none). A private incident's says
    only that it exists and who leads it."""
    if incident.private:
        return [SectionBlock(block_id="incident.private", text=MarkdownTextObject(text=_private_line(incident)))]
    blocks: list[Block] = [
        SectionBlock(block_id="incident.summary", text=MarkdownTextObject(text=truncate(
            f"{_severity_badge(incident)} *{_severity(incident)}* · {quieted(incident.summary)}", SECTION_LIMIT))),
        SectionBlock(block_id="incident.facts", fields=[MarkdownTextObject(text=truncate(text, FIELD_LIMIT))
                                                        for text in _facts(incident, now)]),
    ]
    for block_id, label, text in (("incident.impact", "Impact", incident.impact),
                                  ("incident.update", "Latest update", incident.latest_update)):
        if text:
            blocks.append(SectionBlock(block_id=block_id, text=MarkdownTextObject(
                text=truncate(f"*{label}*\n{quieted(text)}", SECTION_LIMIT))))
    where = f" · <{doc}|Incident doc>" if doc else ""
    blocks.append(ContextBlock(block_id="incident.id", elements=[MarkdownTextObject(
        text=f"Incident `{incident.id}`{where}")]))
    buttons = _buttons(incident, doc)
    if buttons:
        blocks.append(ActionsBlock(block_id="incident.actions", elements=buttons))
    return blocks


def headline_fallback(incident: Incident) -> str:
    """The notification text of the headline post."""
    if incident.private:
        return "A private incident was declared"
    return truncate(f"{_severity(incident)} incident: {quieted(incident.summary)} ({incident.status.value})",
                    FALLBACK_LIMIT)


def _private_line(incident: Incident) -> str:
    who = f"<@{incident.lead}> leads it." if incident.lead else "Nobody leads it yet."
    return f":lock: A private incident was declared {slack_date(incident.declared_at)}. {who}"


def _facts(incident: Incident, now: datetime) -> list[str]:
    lasted = took(incident.declared_at, incident.resolved_at or now)
    facts = [
        f"*Status*\n{STATUS_BADGE[incident.status]} {incident.status.value.capitalize()} since "
        f"{slack_date(incident.status_since)}",
        f"*Lead*\n{f'<@{incident.lead}>' if incident.lead else 'Nobody yet'}",
        f"*Reporter*\n<@{incident.reporter}>",
        f"*Started*\n{slack_date(incident.declared_at)}",
        f"*Duration*\n{lasted}" + ("" if incident.resolved_at else f" so far (at {slack_date(now)})"),
        f"*Comms channel*\n{f'<#{incident.comms_channel}>' if incident.comms_channel else 'None yet'}",
    ]
    if incident.roles:
        facts.append("*Roles*\n" + "\n".join(f"{role}: <@{user}>" for role, user in sorted(incident.roles.items())))
    return facts


def _buttons(incident: Incident, doc: str | None) -> list[ButtonElement]:
    if incident.is_closed:
        return []
    buttons = []
    if not incident.comms_channel:
        buttons.append(_button("Create comms channel", ActionId.OPEN_COMMS_CHANNEL, incident))
    buttons += [_button("Edit", ActionId.EDIT_INCIDENT, incident),
                _button("Change status", ActionId.CHANGE_STATUS, incident)]
    if incident.status.is_open:
        buttons.append(_button("Resolve", ActionId.RESOLVE_INCIDENT, incident, style="primary"))
    else:
        buttons.append(_button("Close", ActionId.CLOSE_INCIDENT, incident, style="primary"))
    if doc:
        buttons.append(ButtonElement(text="Open doc", action_id=ActionId.OPEN_DOC.value, url=doc))
    return buttons


def _button(text: str, action: ActionId, incident: Incident, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action.value, value=incident.id, style=style)


def _severity(incident: Incident) -> str:
    return incident.severity.label if incident.severity else "No severity yet"


def _severity_badge(incident: Incident) -> str:
    return SEVERITY_BADGE[incident.severity] if incident.severity else ":grey_question:"


# ---------------------------------------------------------------------- the comms channel
def welcome_text(incident: Incident, doc: str | None) -> str:
    """Klaxon's first post in a comms channel: what it is about, and how to talk to Klaxon there."""
    headline = f" · <{doc}|incident doc>" if doc else ""
    return (f":rotating_light: This channel is for incident `{incident.id}`: {quieted(incident.summary)}{headline}\n"
            "Talk to me here with `@klaxon &lt;command&gt;` (or `/incident &lt;command&gt;`): `@klaxon help` lists "
            "them. Pin a message, or react with :pushpin:, to put it on the timeline. A ✅ on this message "
            "acknowledges a page.")


def topic(incident: Incident) -> str:
    """The comms channel's topic: the severity and the summary, within Slack's 250 characters. No doc link: a
    signed link is most of those characters, and would expire while the topic stays (the bookmark holds it)."""
    return truncate(f"{_severity(incident)}: {quieted(incident.summary)}", TOPIC_LIMIT)


def announcement(change: IncidentChanged) -> str:
    """What the comms channel is told of a change: a status move with its note, else what changed."""
    who = f"<@{change.by}>" if change.by else "Klaxon"
    after = change.after
    where = " from the headline post" if change.via is Via.HEADLINE else ""
    if after.status is not change.before.status:
        note = after.history[-1].note if after.history else ""
        moved = "closed the incident" if after.status is Status.CLOSED else f"set the status to *{after.status.value}*"
        return f"{STATUS_BADGE[after.status]} {who} {moved}{where}" + (f": {quieted(note)}" if note else ".")
    changed = "; ".join(quieted(entry.text) for entry in change.entries)
    return truncate(f":pencil2: {who} changed{where}: {changed}", SECTION_LIMIT)


def reminder_text(incident: Incident, reminder: Reminder, now: datetime) -> str:
    """A reminder, worded for where it is posted (commands in a comms channel, buttons on a headline)."""

    def do(command: str) -> str:
        return f"`@klaxon {command}`" if incident.comms_channel else "the headline post's buttons"

    lead = f"<@{incident.lead}>" if incident.lead else "Whoever leads this"
    match reminder.kind:
        case ReminderKind.NO_LEAD:
            return f":wave: Nobody leads this incident yet. Take it: {do('lead')}, or name someone: {do('lead @sam')}."
        case ReminderKind.NO_SEVERITY:
            return f":straight_ruler: This incident has no severity yet: {do('severity 1-4')}."
        case ReminderKind.NO_UPDATE:
            since = took(incident.last_update_at or incident.declared_at, now)
            return f":hourglass: No update for {since}. {lead}, say where it stands: {do('update &lt;text&gt;')}."
        case ReminderKind.BREAK:
            return f":coffee: {lead}, you have led this incident for {took(incident.lead_since or now, now)}. " \
                   f"Hand over ({do('lead @someone')}) or take a break."
        case ReminderKind.CLOSE:
            return f":calendar: This incident has been open for {took(incident.declared_at, now)}. If it is over, " \
                   f"{do('resolve')}, then {do('close')}."
    raise AssertionError(f"no words for {reminder.kind}")


def postmortem_request(incident: Incident, doc: str | None) -> str:
    """The direct message to the lead on close."""
    where = f" <{doc}|The incident doc> has its timeline, people and durations." if doc else ""
    draft = (f" `@klaxon postmortem` in <#{incident.comms_channel}> posts a draft with the facts filled in."
             if incident.comms_channel else "")
    return (f":memo: Incident `{incident.id}` is closed: {quieted(incident.summary)}\n"
            f"Please write its postmortem while it is fresh.{where}{draft}")


def postmortem_filename(incident: Incident) -> str:
    return f"postmortem-{incident.id}.md"


def postmortem_title(incident: Incident) -> str:
    return truncate(f"Postmortem draft: {readable(incident.summary)}", 250)


def postmortem_comment(incident: Incident, by: str) -> str:
    """What the postmortem file is posted with."""
    return (f":memo: <@{by}> asked for the postmortem draft of `{incident.id}`: the facts are filled in; "
            "contributing factors, what went well and what to change are for the team to write.")


# ---------------------------------------------------------------------- answers and setbacks
def answer(outcome: Outcome, now: datetime) -> str:
    """What a command answers (only asked questions and refusals: a change gets ✅, or this one line)."""
    match outcome:
        case Done(incident=incident):
            return f":white_check_mark: Done. {headline_fallback(incident)}"
        case Refused(problem=problem, setback=setback):
            return f":warning: {setback_text(setback) if setback else placeholders_shown(problem)}"
        case HelpShown():
            return "In an incident's channel I understand:\n" + placeholders_shown(help_text())
        case FieldShown(incident=incident, field=field):
            shown = incident.summary if field == "summary" else incident.impact
            return f"*{field.capitalize()}:* {quieted(shown) or 'none yet'}"
        case ActionsShown(incident=incident):
            return _actions(incident)
        case TimelineShown(entries=entries):
            return _timeline(entries)
        case DurationShown(incident=incident, now=at):
            lasted = took(incident.declared_at, incident.resolved_at or at)
            return f":stopwatch: {'It lasted' if incident.resolved_at else 'It has been running for'} {lasted}."
        case DocShown(link=link):
            return f":page_facing_up: <{link}|The incident doc> (this link works for {LINK_LIFE}; ask again " \
                   "for a fresh one)" if link else NO_LINKS
        case PostmortemShared(incident=incident, channel=channel):
            return f":memo: The postmortem draft of `{incident.id}` is in <#{channel}> as a file: the facts are " \
                   "filled in, the rest is for the team to write."
        case HistoryShown(history=shown, link=link):
            return _history(shown, link)
    raise AssertionError(f"no words for {type(outcome).__name__}")


def _history(shown: History, link: str | None) -> str:
    """`/incident list`: the newest incidents asked for, one line each, and the response times."""
    query = shown.query
    which = f"{query.standing.value} incidents" if query.standing else "Incidents"
    lines = [f"*{which} declared in the last {spoken(query.span)}: {len(shown.incidents)}*"]
    for incident in shown.incidents[:HISTORY_SHOWN]:
        what = ":lock: a private incident" if incident.private else truncate(quieted(incident.summary),
                                                                               HISTORY_SUMMARY)
        lead = f"<@{incident.lead}>" if incident.lead else "nobody"
        lines.append(f"{_severity_badge(incident)} `{incident.id}` {what} · {incident.status.value} · lead {lead} · "
                     f"{took(incident.declared_at, incident.resolved_at or shown.now)}")
    more = len(shown.incidents) - HISTORY_SHOWN
    if more > 0:
        lines.append(f"…and {more} more" + (" on the list page." if link else "."))
    lines.append("*Response times* · " + " · ".join(f"last {w.days} days: {_figures(w.overall)}"
                                                      for w in shown.windows))
    lines.append(f":page_facing_up: <{link}|The incident list> (MTTA and MTTR by severity; this link works for "
                 f"{LINK_LIFE})" if link else NO_LINKS)
    return truncate("\n".join(lines), ANSWER_LIMIT)


def _figures(figures: Figures) -> str:
    if not figures.count:
        return "no incidents"
    pending = f" ({figures.unresolved} unresolved)" if figures.unresolved else ""
    counted = f"{figures.count} incident{'s' if figures.count > 1 else ''}"
    return f"{counted}, MTTA {spoken(figures.mtta)}, MTTR {spoken(figures.mttr)}{pending}"


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block]


def not_a_comms_channel(text: str) -> Message:
    """`/incident <a command's word> …` outside a comms channel: commands work in one; the text may have
    been meant as a summary, so a button declares an incident with it. `/incident help` gets the help."""
    shown = readable(text)
    if shown.split()[0].lower() == "help":
        said = ("`/incident <what is happening>` declares an incident. In an incident's comms channel, "
                "`/incident <command>` or `@klaxon <command>`:\n" + help_text())
        return Message(said, [SectionBlock(block_id="incident.help", text=MarkdownTextObject(
            text=placeholders_shown(said)))])
    said = (f"`{escaped(truncate(shown, 60))}` is a command for an incident's comms channel, and this is not one. "
            "Did you mean to declare an incident?")
    return Message(said, [SectionBlock(block_id="incident.not_comms", text=MarkdownTextObject(text=said)),
                          ActionsBlock(block_id="incident.declare", elements=[ButtonElement(
                              text="Declare an incident", action_id=ActionId.DECLARE_WITH_TEXT.value,
                              value=truncate(shown, MAX_SUMMARY_CHARS), style="primary")])])


def _actions(incident: Incident) -> str:
    if not incident.actions:
        return "No follow-up actions yet: `@klaxon action <text> [@owner]`."
    lines = [f"{':white_check_mark:' if action.state is ActionState.DONE else ':black_square_button:'} "
             f"`{action.id}` {quieted(action.text)}" + (f" (<@{action.owner}>)" if action.owner else "")
             for action in incident.actions]
    return truncate("\n".join(lines), ANSWER_LIMIT)


def _timeline(entries: Sequence[TimelineEntry]) -> str:
    shown = list(entries)[-TIMELINE_SHOWN:]
    earlier = len(entries) - len(shown)
    lines = [f"…and {earlier} earlier"] if earlier else []
    lines += [f"• {slack_date(entry.at)}{f' <@{entry.by}>' if entry.by else ''} {quieted(entry.text)}"
              for entry in shown]
    return truncate("\n".join(lines) or "Nothing on the timeline yet.", ANSWER_LIMIT)


def setbacks_text(setbacks: Sequence[Setback]) -> str:
    """What could not be done, one line each, with what to do about it."""
    return "\n".join(f":warning: {setback_text(setback)}" for setback in setbacks)


_WHAT = {Step.DECLARE: "declare another incident", Step.HEADLINE: "post the headline post",
         Step.CHANNEL: "create the comms channel",
         Step.INVITE: "invite {subject} to the comms channel", Step.TOPIC: "set the comms channel's topic",
         Step.BOOKMARK: "bookmark the incident doc in the comms channel",
         Step.WELCOME: "post in the comms channel", Step.RENAME: "rename the channel to #{subject}",
         Step.PAGE: "page anyone", Step.POSTMORTEM: "post the postmortem draft"}


def setback_text(setback: Setback) -> str:
    """One setback in words: what Klaxon could not do, why, and what the person can do (Slack's refusals in
    the words every refusal is told in: klaxon.slack.trouble)."""
    subject = f"<@{setback.subject}>" if setback.step is Step.INVITE and setback.subject[:1] in ("U", "W") \
        else setback.subject
    what = f"Klaxon could not {_WHAT[setback.step].format(subject=subject)}"
    match setback.code:
        case "name_taken":
            return f"{what}: the name is taken. Try another."
        case _ if setback.code == NO_FREE_NAME:
            return f"{what}: `{setback.subject}` and every numbered name after it are taken. Create one by hand " \
                   "and invite Klaxon, or rename the old channels."
        case _ if setback.code == NO_POLICY:
            named = f"there is no escalation policy `{setback.subject}`" if setback.subject else \
                "the incident's channel has no escalation policy and there is no default"
            return f"{what}: {named}. An admin sets one with `/klaxon policy use NAME in #channel` (or `default`)."
        case _ if setback.code == ALERT_TAKEN:
            return f"{what}: this alert already has incident `{setback.subject}`; talk there."
        case _ if setback.code == NO_THREAD:
            return f"{what}: the incident has neither a comms channel nor a headline post to page from."
    refused = slack_refusal(setback.code, channel=setback.subject if setback.subject[:1] in ("C", "G") else None)
    return f"{what}: {refused.why}. {refused.advice(retried=False)}"
