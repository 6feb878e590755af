"""Monitoring sources (SPEC §5): each source's payload, parsed at the edge into ExternalEvents for the intake.

One module per source holds its payload model (pydantic, read by Powertools' Parser in klaxon.web) and
the mapping of the source's words onto Klaxon's: its dedup key, firing or resolved, severity, host, link.
Also here: `sns` (believing SNS deliveries by their signature), `hosts` (the host board's domain) and
`webhooks` (what a webhook request does with a source's events: the alert intake, then the host board).
"""
