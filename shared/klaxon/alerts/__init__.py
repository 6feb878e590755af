"""Alerts (SPEC §1, §2, §5): what Klaxon reposts and who handled it, whatever raised it.

    model.py       the alert, its origin (a Slack message or a monitoring source's event), its marks
    messages.py    a watched channel's message, as rules judge it; gathering.py reads what it says
    external.py    what a monitoring source reports (every webhook parser's one shape)
    judging.py     the rules' verdict on a message or a source's event
    intake.py      the one intake: judge, silences, group, record once, post or update, page later
    lifecycle.py   a source's alert through firing, repeats, resolve and reopen
    handling.py    acknowledgement and resolving: reactions and buttons
    reconcile.py   repairing reaction events Slack failed to deliver
    digests.py     what the digest and /klaxon report list, and reminders' hours
    ports.py       what alerts need kept: the alert repository, the message index, silences, digest posts
"""
