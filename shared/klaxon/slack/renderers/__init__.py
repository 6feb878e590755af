"""Klaxon's words in Slack: the domain hands over facts (alerts, digests, pages, command answers) and these
turn them into mrkdwn and Block Kit (slack_sdk's models), cut to Slack's limits. One module per feature:

    alerts.py          an alert's post
    digests.py         the digest, the reminder and /klaxon report (one listing for all three)
    paging.py          a paged person's direct message, and the notes in a page's thread
    configuration.py   rules, settings, policies and the audit trail as /klaxon shows them
    commands.py        /klaxon's answers: what was done or refused, help, a rule test
"""
