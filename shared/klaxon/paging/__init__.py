"""Paging (SPEC §3): escalation policies, and pages that notify each level once until someone acknowledges.

    policies.py    policies, levels, pages and notifications
    service.py     starting, advancing, acknowledging and ending pages; mentions and ack timeouts
    ports.py       what paging needs kept: the page repository
"""
