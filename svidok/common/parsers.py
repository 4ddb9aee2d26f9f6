"""Request body parsers of the API (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

Its own module: DRF imports it while loading its settings, so it must not import DRF's views.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from svidok.common.untrusted import InputRefused, load_json


class BoundedJSONParser(JSONParser):
    """JSON request bodies within the import limits (nesting depth, number length: docs/inputs.md).

    DRF's parser lets a deeply nested body end in a RecursionError, a 500; here it is a 400 naming
    the limit, like any body that is not JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return load_json(stream.read().decode(encoding), name=str(_("The request body")))
        except InputRefused as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:  # not JSON, not text in the encoding, NaN or Infinity
            raise ParseError(f"JSON parse error - {exc}") from None
