"""Checks Web API calls against Slack's published Web API spec (OpenAPI 2, frozen in 2021), with the newer
methods of spec_supplement.py merged in."""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .spec_supplement import NEWER_METHODS

SPEC_FILE = "web-api_slack_web_openapi_v2_without_examples.json"
SPEC_PATH_ENV = "SLACK_SPEC_PATH"

# Slack's published Web API spec (slackapi/slack-api-specs, MIT), copied unchanged beside this module
# so the emulator works from a clean clone.
_BUNDLED = Path(__file__).resolve().parent / "spec"


def default_spec_path() -> Path:
    """`$SLACK_SPEC_PATH`, else the copy of Slack's spec bundled with the emulator."""
    override = os.environ.get(SPEC_PATH_ENV)
    if override:
        return Path(override)
    return _BUNDLED / SPEC_FILE


@dataclass(frozen=True)
class SpecProblem:
    """Why a call breaks the spec, and the error body real Slack would answer with."""

    reason: str
    response: dict[str, Any]


class WebApiSpec:
    """The methods Slack publishes and the arguments each one requires."""

    def __init__(self, required_by_method: dict[str, frozenset[str]]) -> None:
        self._required = required_by_method

    @classmethod
    def load(cls, path: Path | str | None = None) -> WebApiSpec:
        """The spec at `path` (default: `default_spec_path()`), parsed once per path."""
        return _load(str(Path(path) if path else default_spec_path()))

    def knows(self, method: str) -> bool:
        return method in self._required

    def check(self, method: str, args: dict[str, Any]) -> SpecProblem | None:
        """The first way this call breaks the spec, or None."""
        if not self.knows(method):
            return SpecProblem(
                reason="unknown method",
                response={"ok": False, "error": "unknown_method", "req_method": method},
            )
        missing = sorted(name for name in self._required[method] if args.get(name) in (None, ""))
        if missing:
            messages = [f"[ERROR] missing required field: {name}" for name in missing]
            return SpecProblem(
                reason=f"missing required argument(s): {', '.join(missing)}",
                response={
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": messages},
                },
            )
        return None


@functools.cache
def _load(path: str) -> WebApiSpec:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    required: dict[str, frozenset[str]] = {}
    for route, operations in document["paths"].items():
        names = {
            parameter["name"]
            for operation in operations.values()
            for parameter in operation.get("parameters", [])
            # The bearer header satisfies `token`, so the spec's `token: required` is not checked here.
            if parameter.get("required") and parameter["name"] != "token"
        }
        required[route.lstrip("/")] = frozenset(names)
    return WebApiSpec({**NEWER_METHODS, **required})
