"""The open data addresses under ``/public/data/`` (``docs/open-data.md``): anonymous, read-only,
streamed. The labels in the files (types, roles, place names) are in the language the ``lang``
parameter names (English by default), not the browser's: one address, one file."""

from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from svidok.public import opendata
from svidok.public.records import published_incidents

SCHEMA = settings.BASE_DIR / "svidok" / "public" / "schema" / "incidents.schema.json"
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "geojson": "application/geo+json; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
}
MAKERS: dict[str, Callable[[str], Iterator[str]]] = {
    "json": opendata.json_parts, "geojson": opendata.geojson_parts, "csv": opendata.csv_parts,
}


def _language(request) -> str:
    wanted = (request.GET.get("lang") or "").strip()
    return wanted if wanted in LANGUAGES else "en"


def _in_language(parts: Iterator[str], language: str) -> Iterator[bytes]:
    # Each piece is made under the file's language: a streamed body is read after the view returned,
    # when the request's own language (or none) is active again.
    while True:
        with translation.override(language):
            try:
                piece = next(parts)
            except StopIteration:
                return
        yield piece.encode("utf-8")


@require_safe
def incidents_file(request, fmt: str):
    language = _language(request)
    with translation.override(language):
        parts = MAKERS[fmt](language)
    response = StreamingHttpResponse(_in_language(parts, language), content_type=CONTENT_TYPES[fmt])
    name = f"svidok-incidents-{timezone.localdate().isoformat()}{'' if language == 'en' else '-' + language}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(False, name)
    response["Link"] = opendata.LINK_HEADER
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@require_safe
def schema(request):
    response = FileResponse(SCHEMA.open("rb"), content_type="application/schema+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def data_page(request):
    """What the open data holds, under which licence, and where its schema is."""
    return render(request, "public/open_data.html", {
        "count": published_incidents().count(), "licence": opendata.LICENCE, "attribution": opendata.ATTRIBUTION,
        "languages": settings.LANGUAGES,
    })
