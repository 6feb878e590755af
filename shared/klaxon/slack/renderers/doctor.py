"""What the doctor found (klaxon.doctor), in words: each check, whether it is fine, and for each problem exactly
what to do. Slack mrkdwn for `/klaxon doctor`; `make doctor` prints the same text with channels named as a
terminal shows them (`channel`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from klaxon.doctor.checkup import ChannelCheck, Checkup, Need, Presence, SourceCheck, Use
from klaxon.wording import counted

OK, PROBLEM, NOTE = ":white_check_mark:", ":x:", ":information_source:"
APPS = "api.slack.com/apps → Klaxon"
MANIFEST = "`python -m infra.slack_manifest --request-url <SlackRequestUrl output>`"

type ChannelName = Callable[[str, str | None], str]
"""How a channel is named: its id, and its name when Slack gave one."""


def slack_channel(channel: str, name: str | None) -> str:
    """A channel as Slack shows it to the person reading (`<#C…>`), or its id when Klaxon cannot see it."""
    return f"<#{channel}>" if name else f"`{channel}`"


def checkup_text(checkup: Checkup, channel: ChannelName = slack_channel) -> str:
    """The whole report: a summary line, then the token and scopes, channels, settings, webhook sources, and the
    signing secret."""
    installed = checkup.installed
    where = f" - workspace *{installed.team}*" if installed else ""
    problems = checkup.problems
    summary = f"{OK} nothing to fix" if not problems else f"{PROBLEM} {counted(problems, 'problem')} to fix"
    sections = [f"*Klaxon doctor*{where}: {summary}.", *_token(checkup), *_channels(checkup, channel),
                *_settings(checkup, channel), *_sources(checkup.sources), *_signing_secret(checkup)]
    return "\n".join(sections)


def _token(checkup: Checkup) -> list[str]:
    if checkup.refused:
        return [f"*Bot token*  {PROBLEM} Slack refuses it (`{checkup.refused}`): the app was uninstalled, or the "
                "token changed. Install the app again (" + APPS + " → Install App) and put its Bot User OAuth "
                "Token into the stack's Slack secret (output SlackSecretArn; docs/RUNBOOK.md, SlackAppErrorsAlarm "
                "step 2). Scopes and channels are checked once the token works."]
    assert checkup.installed is not None
    lines = [f"*Bot token*  {OK} works (bot <@{checkup.installed.bot_user_id}>)"]
    if checkup.missing_scopes:
        missing = ", ".join(f"`{scope}`" for scope in sorted(checkup.missing_scopes))
        lines.append(f"*Scopes*  {PROBLEM} missing {missing}. Add them in {APPS} → OAuth & Permissions → Bot Token "
                     f"Scopes (or paste the manifest again: {MANIFEST}), then reinstall the app (Install App → "
                     "Reinstall to Workspace): a token has the scopes it was installed with.")
    else:
        lines.append(f"*Scopes*  {OK} every scope of the manifest")
    if checkup.extra_scopes:
        extra = ", ".join(f"`{scope}`" for scope in sorted(checkup.extra_scopes))
        lines.append(f"    {NOTE} also granted, and not needed: {extra}")
    return lines


def _channels(checkup: Checkup, channel: ChannelName) -> list[str]:
    if checkup.refused:
        return []
    if checkup.unlisted:
        return [f"*Channels*  {PROBLEM} Slack would not list Klaxon's channels (`{checkup.unlisted}`): fix the "
                "scopes above, then run the doctor again."]
    if not checkup.channels:
        return [f"*Channels*  {NOTE} Klaxon is in {counted(checkup.joined, 'channel')}, and the configuration names "
                "none yet: `/invite @klaxon` where your monitoring posts, then add a rule."]
    lines = [f"*Channels*  Klaxon is in {counted(checkup.joined, 'channel')} (it watches every one); "
             f"{counted(len(checkup.channels), 'channel')} {'is' if len(checkup.channels) == 1 else 'are'} needed:"]
    lines += [_channel(check, channel) for check in checkup.channels]
    return lines


def _channel(check: ChannelCheck, channel: ChannelName) -> str:
    named = channel(check.channel, check.name)
    why = "; ".join(_need(need) for need in check.needs)
    match check.presence:
        case Presence.IN:
            return f"    {OK} {named} - {why}"
        case Presence.NOT_IN:
            return f"    {PROBLEM} {named} - Klaxon is not in it ({why}). Fix: `/invite @klaxon` in {named}."
        case Presence.ARCHIVED:
            return (f"    {PROBLEM} {named} - archived ({why}). Fix: unarchive it, or change what uses it "
                    "(`/klaxon rule list`, `/klaxon settings`).")
    return (f"    {PROBLEM} {named} - Slack does not show it to Klaxon: deleted, or private without Klaxon ({why}). "
            f"Fix: `/invite @klaxon` in it if it is private; else change what uses it.")


def _need(need: Need) -> str:
    match need.use:
        case Use.INCIDENTS_CHANNEL:
            return "INCIDENTS_CHANNEL: headline posts, and alerts nothing else routes"
        case Use.RULE_TARGET:
            return f"rule `{need.subject}` posts there"
        case Use.RULE_SCOPE:
            return f"rule `{need.subject}` watches it"
        case Use.SOURCE_CHANNEL:
            return f"{need.subject}'s alerts go there"
        case Use.HOST_BOARD:
            return "the host board"
        case Use.REMINDERS:
            return "reminders"
        case Use.UNMATCHED:
            return "unmatched alerts go there"
        case Use.CHANNEL_DEFAULT:
            return f"its messages are `{need.subject}` by default"
        case Use.CHANNEL_POLICY:
            return f"mentions there page `{need.subject}`"
    return "mentions page there (settings paging-channels)"


def _settings(checkup: Checkup, channel: ChannelName) -> list[str]:
    deployment = checkup.deployment
    incidents = deployment.incidents_channel
    lines = ["*Settings*"]
    named = next((check.name for check in checkup.channels if check.channel == incidents), None)
    lines.append(f"    {OK} incidents channel {channel(incidents, named)}" if incidents
                 else f"    {PROBLEM} no incidents channel: alerts no rule or source routes have nowhere to go, and "
                      "headline posts go where incidents are declared. Deploy with "
                      "`--parameter-overrides IncidentsChannel=C…` (the channel's id: its details, at the bottom; "
                      "locally, INCIDENTS_CHANNEL).")
    admins = [f"<@{user}>" for user in sorted(deployment.admin_users)]
    admins += [f"<!subteam^{deployment.admin_group}>"] if deployment.admin_group else []
    lines.append(f"    {OK} admins {', '.join(admins)}" if admins
                 else f"    {PROBLEM} no admins: nobody can change rules or settings. Deploy with "
                      "`--parameter-overrides AdminUsers=U…,U…` (a profile's ⋮ → Copy member ID; locally, "
                      "ADMIN_USERS).")
    if deployment.public_base_url and deployment.link_key:
        lines.append(f"    {OK} links to incident pages point to {deployment.public_base_url}, signed")
    if not deployment.public_base_url:
        lines.append(f"    {PROBLEM} no address for links to incident pages, so incidents show no doc link: in AWS "
                     "the SSM parameter /<stack>/public-base-url is empty (deploy again; it holds the ApiUrl output, "
                     "or the PublicBaseUrl parameter for a custom domain); locally, set PUBLIC_BASE_URL.")
    if not deployment.link_key:
        lines.append(f"    {PROBLEM} no key to sign links with, so incidents show no doc link: in AWS the secret of "
                     "output LinkKeySecretArn is empty (deploy again: it is generated); locally, set LINK_SIGNING_KEY.")
    return lines


def _sources(sources: Sequence[SourceCheck]) -> list[str]:
    if sources and all(source.open is None for source in sources):
        return [f"*Webhook sources*  {NOTE} not checked from Slack: only the webhooks function may read the "
                "webhook secret and its SNS topics. Run `make doctor` against the stack."]
    return ["*Webhook sources*", *(_source(source) for source in sources)]


def _source(source: SourceCheck) -> str:
    if source.open is None:
        return f"    {NOTE} {source.source}: not known here"
    if source.open:
        how = ", ".join(f"`{key}`" for key in source.present) if source.present else "an allowed SNS topic"
        return f"    {OK} {source.source}: open ({how})"
    mark = PROBLEM if not source.ok else NOTE
    expected = " - and the configuration expects its alerts" if source.expected else ""
    if not source.keys:
        return (f"    {mark} {source.source}: no SNS topic allowed, so it accepts nothing{expected}. Deploy with "
                "`--parameter-overrides SnsTopicArns=arn:aws:sns:…` and subscribe the topic (README, Monitoring "
                "webhooks).")
    keys = " or ".join(f"`{key}`" for key in source.keys)
    return (f"    {mark} {source.source}: no key {keys} in the webhook secret, so it accepts nothing (401){expected}. "
            "Add the key to the secret of output WebhookSecretArn (README, Pointing each tool at Klaxon).")


def _signing_secret(checkup: Checkup) -> list[str]:
    if checkup.deployment.signed:
        return [f"*Signing secret*  {OK} right: this request came signed with it."]
    return [f"*Signing secret*  {NOTE} cannot be checked from here: Slack signs its requests with it and tells "
            "nobody else. Run `/klaxon doctor` in Slack: if Klaxon answers, it is right; if Slack says the app did "
            "not respond, the HTTP API's access log shows 401s on POST /slack/events (docs/RUNBOOK.md)."]
