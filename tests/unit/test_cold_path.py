"""Acknowledging Slack loads none of the domain: a cold start's ack must not wait for RE2 and the rules."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = textwrap.dedent("""
    import importlib.util, json, os, sys
    os.environ.update(TABLE_NAME="t", SLACK_BOT_TOKEN="xoxb-probe", SLACK_SIGNING_SECRET="probe-secret",
                      POWERTOOLS_TRACE_DISABLED="true", AWS_DEFAULT_REGION="us-east-1")
    spec = importlib.util.spec_from_file_location("slack_app", "functions/slack_app/app.py")
    handler_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler_module)
    from klaxon.bootstrap import runtime
    runtime().slack_request_handler  # the Bolt app with every listener registered, as on the first request
    print(json.dumps(sorted(name for name in sys.modules if name.startswith(("klaxon", "re2", "yaml")))))
""")


def test_building_the_slack_app_loads_no_rules_engine_and_no_domain():
    result = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert loaded, "the probe saw klaxon load"
    heavy = {"re2", "yaml", "klaxon.rules", "klaxon.configuration.model", "klaxon.alerts.judging", "klaxon.commands",
             "klaxon.slack.gateway", "klaxon.ports"}
    assert not loaded & heavy, f"the ack path loads {sorted(loaded & heavy)}"
