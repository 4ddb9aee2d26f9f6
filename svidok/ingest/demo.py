"""Demo data of the news reader (``svidok setup --demo``): the seed article, read and proposed.

``data/news/seed-article.txt`` (see data/NOTICE) is the article the incidents demo records by hand;
here it goes through the news reader as a documenter's import would, so the review queue shows
what extraction proposes from it, beside the incidents already recorded from the same report.
"""

from __future__ import annotations

from django.conf import settings

from svidok.accounts.models import Role
from svidok.accounts.services import ensure_service_account
from svidok.incidents.demo import DEMO_USERNAME, OSCE_DAY
from svidok.ingest import reading, services


def load_demo() -> str:
    """Import the seed article unless it is there; returns what happened, in a word."""
    actor = ensure_service_account(username=DEMO_USERNAME, role=Role.COORDINATOR)
    path = settings.DATA_DIR / "news" / "seed-article.txt"
    read = reading.read_article(path, {"published": OSCE_DAY.isoformat(), "source": "QHA (as relayed, March 2018)"})
    imported = services.store_article(actor=actor, article=read)
    return imported.outcome
