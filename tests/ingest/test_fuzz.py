"""Hostile files for the news reader, generated: each is read and imported or refused with a
ReadError or a field error, never a traceback, and a refused file leaves the database as it was."""

import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svidok.incidents.models import Source
from svidok.ingest import reading, services
from svidok.ingest.models import Article
from tests.ingest import texts

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PIECES = st.sampled_from([texts.ENGLISH, texts.RUSSIAN, texts.HTML_ARTICLE, texts.HTML_NO_ARTICLE, "<html>", "<!DOCTYPE html>", "\n\n",
                          "\x00", "\ufeff", "\u202e", "<script>alert(1)</script>", "<p>" * 50, "\r", "ı ğ ñ q"])
CONTENT = st.one_of(
    st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=5).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")),
    st.binary(max_size=300),
)


def written():
    return Source.objects.count(), Article.objects.count()


@FUZZ
@given(CONTENT, st.sampled_from(["a.txt", "a.html", "a"]))
def test_any_file_is_imported_or_refused_whole(documenter, raw, name):
    before = written()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(raw)
        try:
            outcome = services.import_article(actor=documenter, article=reading.read_article(path))
        except (reading.ReadError, ValidationError):
            assert written() == before
            return
    assert written() == (before if outcome.outcome == "already" else (before[0] + 1, before[1] + 1))
