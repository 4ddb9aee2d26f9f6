"""Generated sentences for the place and date stages: they never raise, every span cuts its own
words out of the text, and every value is a well-formed ISO date of its precision."""

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from svidok.ingest.extraction.dates import find_dates
from svidok.ingest.extraction.places import Gazetteer

FUZZ = settings(max_examples=150, deadline=None)
WORDS = st.sampled_from([
    "у", "в", "Керчі", "Симферополе", "Crimea", "Kherson", "and", "та", "і", "Луганської", "областей", "regions",
    "district", "of", "the", "Novy", "Melitopol", "5", "18", "березня", "марта", "March", "May", "may", "2014", "2036",
    "року", "году", "після", "выборов", "the day after the", "vote", "election day", "Sunday", "у неділю", "вчора",
    "yesterday", "№", "Article", "%", ",", ".", "«", "»", "-", "12.03.2018", "2018-03-18", "Krym.Realii", "село",
    "Первомайське", "Марія", "Ленинском", "районе", "Севастополя", "three days ago", "два дня назад", "\n", "\u00a0",
])
SENTENCE = st.lists(st.one_of(WORDS, st.text(max_size=6)), max_size=25).map(" ".join)
PUBLISHED = st.one_of(st.none(), st.dates(min_value=dt.date(2014, 1, 1), max_value=dt.date(2025, 12, 31)))
ISO = {"day": re.compile(r"\d{4}-\d\d-\d\d"), "month": re.compile(r"\d{4}-\d\d"), "year": re.compile(r"\d{4}")}


@FUZZ
@given(sentence=SENTENCE, offset=st.integers(0, 10_000), language=st.sampled_from(["uk", "ru", "en", ""]))
def test_places_spans_cut_the_text(sentence, offset, language):
    for mention in Gazetteer.load().find(sentence, offset, language):
        assert sentence[mention.start - offset:mention.end - offset] == mention.as_written
        assert mention.level in ("region", "raion", "settlement", "district", "institution")
        assert mention.code is None or mention.region is not None


@FUZZ
@given(sentence=SENTENCE, offset=st.integers(0, 10_000), language=st.sampled_from(["uk", "ru", "en", ""]), published=PUBLISHED)
def test_dates_spans_cut_the_text_and_values_are_iso(sentence, offset, language, published):
    for mention in find_dates(sentence, offset, language, published=published):
        assert sentence[mention.start - offset:mention.end - offset] == mention.as_written
        assert ISO[mention.precision].fullmatch(mention.value)
        dt.date.fromisoformat(mention.value if mention.precision == "day" else mention.value[:4] + "-01-01")
