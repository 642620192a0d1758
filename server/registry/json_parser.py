"""A JSON parser that answers 400 for JSON nested too deeply to decode (Python's decoder raises
RecursionError), instead of a 500. Used by the issue-10 endpoints; could serve as the project's
DEFAULT_PARSER_CLASSES entry."""
from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON 嵌套层数过多 (JSON nested too deeply)") from exc
