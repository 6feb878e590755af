"""The domain knows no AWS or Slack SDK: only the adapters and the bootstrap import them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KLAXON = Path(__file__).resolve().parents[2] / "shared" / "klaxon"
SDKS = ("boto3", "botocore", "slack_sdk", "slack_bolt")
ADAPTERS = ("slack", "dynamo")  # klaxon/slack/…, klaxon/dynamo/…
WIRING = ("bootstrap.py",)


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


DOMAIN = [p for p in KLAXON.rglob("*.py")
          if p.relative_to(KLAXON).parts[0] not in ADAPTERS and p.name not in WIRING]


@pytest.mark.parametrize("module", DOMAIN, ids=lambda p: str(p.relative_to(KLAXON)))
def test_domain_modules_import_no_sdk(module: Path) -> None:
    sdk_imports = {name for name in imported_modules(module) if name.split(".")[0] in SDKS}
    assert not sdk_imports, f"{module.relative_to(KLAXON)} imports {sorted(sdk_imports)}"


def test_the_scan_sees_the_domain() -> None:
    assert {"alerting.py", "configuration.py", "matcher.py"} <= {p.name for p in DOMAIN}
