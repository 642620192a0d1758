"""A JSON parser that answers 400 for a body too deeply nested to decode (Python's decoder raises
RecursionError, which DRF's JSONParser lets escape as a 500). Used by the issue-12 endpoints; a
candidate for REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]."""
from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON 嵌套过深 (JSON nested too deeply)") from None
