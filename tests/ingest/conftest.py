"""Fixtures of the news tests."""

import pytest

from tests import factories
from tests.ingest import review_world
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


@pytest.fixture
def fedorenko(coordinator):
    """A registry person the review tests' article names."""
    return factories.person(coordinator, name="Ігор Федоренко")


@pytest.fixture
def proposals(documenter, places, fedorenko):
    """The review tests' article with its proposals as rows (tests/ingest/review_world.py)."""
    return review_world.world(documenter, place=places["town"], perpetrator=fedorenko)
