"""Errors raised by the media package."""

from __future__ import annotations


class PhotoError(ValueError):
    """An uploaded image was refused.

    ``code`` is a stable machine-readable reason, ``http_status`` the status an HTTP
    layer should answer with, ``field`` the request field at fault and ``message`` a
    human-readable explanation (English; callers may translate by ``code``).
    """

    def __init__(self, *, code: str, http_status: int, message: str, field: str = "file") -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "field": self.field, "detail": self.message}

    def __repr__(self) -> str:
        return f"PhotoError(code={self.code!r}, http_status={self.http_status}, message={self.message!r})"
