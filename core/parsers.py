"""The API's JSON parser: DRF's, with a nesting limit.

A body nested 50,000 deep made the standard parser raise ``RecursionError`` (a 500); too deep is now a 400
``parse_error``. The check after parsing is iterative, so it cannot itself overflow the stack.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deeper than any request the API takes (the deepest is a list of objects inside an object: 3).
MAX_JSON_DEPTH = 32


def json_depth_exceeds(data, limit):
    """Whether ``data`` (parsed JSON) nests lists and objects more than ``limit`` deep; iterative, so it cannot
    itself overflow the stack."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit: too deep is a 400 ``parse_error``, never a ``RecursionError``."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        message = f"JSON parse error - nested more than {self.max_depth} levels deep."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message)
        if json_depth_exceeds(data, self.max_depth):
            raise ParseError(message)
        return data
