"""The README's deploy walk-through stays exact: the outputs and parameters it names are the template's, its
manifest commands run, its /klaxon commands parse, and `make doctor` is a target (`make build` and `sam validate
--lint` are run by test_template.py)."""

from __future__ import annotations

import json
import re
import shlex

import pytest

from infra import slack_manifest
from infra import template as tpl
from klaxon.commands import parse_command

README = (tpl.REPO_ROOT / "README.md").read_text()
DEPLOYING = README[README.index("## Deploying"):README.index("## Watching it run")]


def test_every_output_and_parameter_the_walk_through_names_is_the_templates():
    template = tpl.load_template()
    printed = DEPLOYING[DEPLOYING.index("It ends with the stack's **outputs**"):DEPLOYING.index("5. **Point")]
    outputs = set(re.findall(r"`([A-Za-z]+)`", printed))
    assert outputs == set(template["Outputs"]), "every output listed where the deploy prints them, and no other"
    prompted = set(re.findall(r"Parameter ([A-Za-z, /]+?) \|", DEPLOYING))
    named = {name.strip() for group in prompted for name in re.split(r"[,/]", group)}
    assert named == set(template["Parameters"]), "every parameter sam deploy --guided asks for, in the table"


def manifest_commands() -> list[list[str]]:
    return [shlex.split(line.strip())[3:] for line in DEPLOYING.splitlines()
            if line.strip().startswith(".venv/bin/python -m infra.slack_manifest")]


def test_the_manifest_commands_run(capsys):
    commands = manifest_commands()
    assert [command[0] for command in commands] == ["--socket-mode", "--request-url"]
    for command in commands:
        argv = [arg.replace("<SlackRequestUrl", "https://abc123.execute-api.eu-west-1.amazonaws.com/slack/events")
                for arg in command if not arg.startswith(("output>", ">", "manifest.json"))]
        assert slack_manifest.main(argv) == 0
        assert json.loads(capsys.readouterr().out)["features"]["slash_commands"]


@pytest.mark.parametrize("line", [line.strip() for line in DEPLOYING.splitlines()
                                  if line.strip().startswith("/klaxon ")])
def test_every_klaxon_command_of_the_walk_through_parses(line):
    parse_command(line.removeprefix("/klaxon "))


def test_make_doctor_is_a_target():
    assert re.search(r"^doctor: install$", (tpl.REPO_ROOT / "Makefile").read_text(), re.MULTILINE)
