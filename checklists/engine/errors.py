"""Errors raised by the quick-test engine."""

from __future__ import annotations


class InputError(ValueError):
    """Malformed quick-test request: unknown method, missing or wrong-typed input.

    ``field`` names the field at fault: ``"method"``, ``"inputs"`` or ``"inputs.<name>"``.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
