"""The shape of the package: the domain knows no SDK and no adapter, and no module imports itself round.

The domain rooms (alerts, rules, paging, configuration, commands, monitoring, …) know no AWS or Slack SDK,
no Powertools and none of the adapters (klaxon.dynamo, klaxon.slack, klaxon.web); only the adapters, the
entry points and the one wiring point (bootstrap.py) do. And the import graph of `klaxon` has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.graphs import first_cycle

KLAXON = Path(__file__).resolve().parents[2] / "shared" / "klaxon"
SDKS = ("boto3", "botocore", "slack_sdk", "slack_bolt", "aws_lambda_powertools")
ADAPTERS = ("slack", "dynamo", "web")  # klaxon/slack/…, klaxon/dynamo/…, klaxon/web/…
OUTSIDE_THE_DOMAIN = (*ADAPTERS, "entrypoints")
WIRING = ("bootstrap.py",)


def module_name(source: Path) -> str:
    parts = source.relative_to(KLAXON.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: Path, *, at_run_time: bool = False) -> set[str]:
    """Every module `source` imports (absolute names); `at_run_time` leaves out `if TYPE_CHECKING:` imports."""
    tree = ast.parse(source.read_text())
    skipped: set[int] = set()
    if at_run_time:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


ALL = sorted(KLAXON.rglob("*.py"))
DOMAIN = [p for p in ALL if p.relative_to(KLAXON).parts[0] not in OUTSIDE_THE_DOMAIN and p.name not in WIRING]


@pytest.mark.parametrize("module", DOMAIN, ids=lambda p: str(p.relative_to(KLAXON)))
def test_domain_modules_import_no_sdk_and_no_adapter(module: Path) -> None:
    imported = imported_modules(module)
    sdk_imports = {name for name in imported if name.split(".")[0] in SDKS}
    adapter_imports = {name for name in imported if name.split(".")[:2] in [["klaxon", a] for a in ADAPTERS]}
    assert not sdk_imports, f"{module.relative_to(KLAXON)} imports {sorted(sdk_imports)}"
    assert not adapter_imports, f"{module.relative_to(KLAXON)} imports the adapters {sorted(adapter_imports)}"


def test_the_scan_sees_the_domain() -> None:
    assert {"judging.py", "intake.py", "service.py", "model.py", "matcher.py", "generic.py"} <= {p.name for p in DOMAIN}


def import_graph() -> dict[str, set[str]]:
    """klaxon's modules → the klaxon modules they import when they run (a from-import of a name is an
    import of its module)."""
    modules = {module_name(path): path for path in ALL}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for imported in imported_modules(path, at_run_time=True):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                found.add(imported)
        graph[name] = found
    return graph


def test_no_module_of_klaxon_imports_itself_round() -> None:
    cycle = first_cycle(import_graph())
    assert cycle is None, "an import cycle: " + " → ".join(cycle or [])


def test_the_cycle_check_names_a_cycle() -> None:
    graph = {"klaxon.bootstrap": {"klaxon.slack.app"}, "klaxon.slack.app": {"klaxon.slack.listeners"},
             "klaxon.slack.listeners": {"klaxon.bootstrap"}}
    assert first_cycle(graph) == ["klaxon.bootstrap", "klaxon.slack.app", "klaxon.slack.listeners",
                                  "klaxon.bootstrap"]
