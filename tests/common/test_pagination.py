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


def _page(query, rows):
    from django.test import RequestFactory

    from svidok.common.views import paginate

    return paginate(RequestFactory().get("/", {"page": query}), Incident.objects.order_by("-date_start", "-id"), 2, rows=rows)


def test_ids_first_page_keeps_the_order_and_the_count(documenter):
    import datetime as dt

    made = [factories.incident(documenter, title=f"Incident {n}", date=dt.date(2018, 3, 10 + n)) for n in range(5)]
    asked = []

    def rows(ids):
        asked.append(list(ids))
        return Incident.objects.filter(pk__in=ids).select_related("type")

    page = _page("2", rows)

    assert [i.title for i in page] == ["Incident 2", "Incident 1"]
    assert (page.paginator.count, page.number, asked) == (5, 2, [[made[2].pk, made[1].pk]])


def test_ids_first_page_leaves_out_a_record_gone_between_the_two_reads(documenter):
    import datetime as dt

    made = [factories.incident(documenter, title=f"Incident {n}", date=dt.date(2018, 3, 10 + n)) for n in range(3)]

    page = _page("1", lambda ids: Incident.objects.filter(pk__in=ids).exclude(pk=made[2].pk))

    assert [i.title for i in page] == ["Incident 1"]


def test_ids_first_empty_page_asks_for_no_rows():
    def rows(ids):
        raise AssertionError("no ids, no query")

    page = _page("1", rows)

    assert (list(page), page.paginator.count) == ([], 0)
