"""Fixtures of the news tests."""

import pytest

from tests.ingest.news_site import Site


@pytest.fixture
def news_site(settings):
    """A news site on loopback (tests/ingest/news_site.py), reachable: loopback allowed for the news
    reader (production refuses it), short timeouts so that the address that never answers fails fast."""
    settings.SVIDOK_NEWS_ALLOW_LOOPBACK = True
    settings.SVIDOK_NEWS_TIMEOUT = 1
    settings.SVIDOK_NEWS_DEADLINE = 5
    site = Site()
    yield site
    site.close()
