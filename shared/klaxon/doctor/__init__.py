"""The doctor (SPEC §7): a health check of a live installation - the bot token and its scopes against the
manifest's, the channels Klaxon is in against those its configuration needs, the webhook secrets, the
deployment's settings - saying what is missing and how to fix it.

`examine` (checkup.py) works on facts: what Slack says of the installation (ports.py's Installation), what
the stack was deployed with (Deployment) and the configuration. `/klaxon doctor` asks it from Slack;
`make doctor` (infra/doctor.py) from a terminal, with the stack's outputs and secrets through boto3.
"""
