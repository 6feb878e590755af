"""The code stays typed and tidy: mypy (strict) on the klaxon package, ruff on everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


def test_klaxon_is_mypy_strict_clean() -> None:
    result = run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing() -> None:
    result = run(str(BIN / "ruff"), "check", "shared", "functions", "infra", "bench", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
