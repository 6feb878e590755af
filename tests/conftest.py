"""Test-wide environment: nothing here may reach real AWS or real Slack."""

from __future__ import annotations

import os

# Set before any test module imports boto3 or Powertools: fake credentials, one region, no X-Ray daemon.
os.environ.update({
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "klaxon",
    "POWERTOOLS_METRICS_NAMESPACE": "Klaxon",
    "SAM_CLI_TELEMETRY": "0",
})
