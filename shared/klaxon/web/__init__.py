"""The HTTP side that is not Slack: the incident doc page, the incident list, and their signed links."""
