"""Request bodies of the JSON APIs."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request

from core.exceptions import InvalidInput


class SafeJSONParser(JSONParser):
    """JSON only (a form post is never accepted); absurd nesting is bad JSON, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("Invalid JSON")


def json_object(request: Request) -> dict:
    """The request body as a mapping; a JSON array, string or number is a 400."""
    data = request.data
    if not isinstance(data, dict):
        raise InvalidInput("Request body must be a JSON object")
    return data
