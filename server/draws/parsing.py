"""A JSON body parser that answers 400 for nesting too deep for Python's decoder (DRF's JSONParser
lets the RecursionError through as a 500). Used by this app's views; worth making project-wide."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON 嵌套过深 (JSON nested too deeply)") from None


PARSERS = [BoundedJSONParser]


class SurrogateSafeJSONRenderer(JSONRenderer):
    """DRF renders UTF-8 JSON; an error message that echoes a lone surrogate from the request
    cannot be encoded so. Such a body is rendered with ASCII escapes instead (still valid JSON)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            ascii_renderer = JSONRenderer()
            ascii_renderer.ensure_ascii = True
            return ascii_renderer.render(data, accepted_media_type, renderer_context)


RENDERERS = [SurrogateSafeJSONRenderer]
