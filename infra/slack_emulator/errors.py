"""Errors of the control API (what a test or the demo asked for cannot be done)."""

from __future__ import annotations


class ControlError(Exception):
    """A control request that cannot be honoured; answered with `status` and the message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
