import pytest

from svidok.common.pagination import CappedPaginator
from svidok.incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def test_capped_paginator_counts_exactly_below_cap(documenter):
    for n in range(3):
        factories.incident(documenter, title=f"Incident {n}")

    paginator = CappedPaginator(Incident.objects.order_by("-date_start"), 2)

    assert (paginator.count, paginator.capped, paginator.num_pages) == (3, False, 2)


def test_capped_paginator_stops_counting_past_cap(documenter, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    for n in range(5):
        factories.incident(documenter, title=f"Incident {n}")

    paginator = CappedPaginator(Incident.objects.order_by("-date_start"), 2)

    assert (paginator.count, paginator.capped) == (3, True)


def test_capped_paginator_on_a_list():
    paginator = CappedPaginator(list(range(7)), 5)

    assert (paginator.count, paginator.capped, list(paginator.page(2))) == (7, False, [5, 6])
