"""The list's date-range filter: "the incident overlaps [from, to]", bounded by an index.

``filter_incidents`` adds ``date_start >= from - longest span`` to the exact overlap test; these
tests pin that the bound changes no result, at the edges and with long incidents.
"""

import datetime as dt
import random

import pytest

from svidok.incidents.models import Incident
from svidok.incidents.queries import filter_incidents, longest_span
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date


def _found(params) -> set[str]:
    queryset, _cleaned = filter_incidents(Incident.objects.all(), params)
    return set(queryset.values_list("title", flat=True))


def _overlaps(start, end, date_from, date_to) -> bool:
    last = end or start
    return (date_from is None or last >= date_from) and (date_to is None or start <= date_to)


def test_span_days_is_kept_by_the_database(documenter):
    one_day = factories.incident(documenter, title="one day", date=D(2018, 3, 20))
    ranged = factories.incident(documenter, title="ranged", date=D(2018, 3, 20), date_end=D(2018, 4, 2))

    assert Incident.objects.get(pk=one_day.pk).span_days == 0
    assert Incident.objects.get(pk=ranged.pk).span_days == 13
    # A bulk update bypasses save(): the column still follows.
    Incident.objects.filter(pk=one_day.pk).update(date_end=D(2020, 3, 20))
    assert Incident.objects.get(pk=one_day.pk).span_days == 731
    assert longest_span() == 731


def test_longest_span_of_no_incidents_is_zero():
    assert longest_span() == 0


def test_range_edges(documenter):
    factories.incident(documenter, title="ends on from", date=D(2016, 12, 1), date_end=D(2017, 1, 1))
    factories.incident(documenter, title="ends the day before from", date=D(2016, 12, 1), date_end=D(2016, 12, 31))
    factories.incident(documenter, title="one day on from", date=D(2017, 1, 1))
    factories.incident(documenter, title="one day before from", date=D(2016, 12, 31))
    factories.incident(documenter, title="starts on to", date=D(2017, 12, 31), date_end=D(2018, 2, 1))
    factories.incident(documenter, title="starts the day after to", date=D(2018, 1, 1))
    factories.incident(documenter, title="covers the whole period", date=D(2016, 6, 1), date_end=D(2018, 6, 1))

    assert _found({"date_from": "2017-01-01", "date_to": "2017-12-31"}) == {
        "ends on from", "one day on from", "starts on to", "covers the whole period"}
    assert _found({"date_from": "2017-01-01"}) == {
        "ends on from", "one day on from", "starts on to", "covers the whole period", "starts the day after to"}


def test_a_long_incident_widens_the_bound(documenter):
    # Started 3 years before the period and still running in it: the bound must reach back that far.
    factories.incident(documenter, title="short", date=D(2020, 5, 1))
    factories.incident(documenter, title="long", date=D(2017, 1, 1), date_end=D(2020, 1, 15))

    assert _found({"date_from": "2020-01-01", "date_to": "2020-12-31"}) == {"short", "long"}
    assert _found({"date_from": "2020-01-16", "date_to": "2020-12-31"}) == {"short"}


def test_extreme_dates_do_not_overflow(documenter):
    factories.incident(documenter, title="early", date=D(1900, 1, 5), date_end=D(1950, 1, 1))

    # from - longest span would fall before year 1: the exact test alone, same result.
    assert _found({"date_from": "0001-01-02"}) == {"early"}
    assert _found({"date_from": "9999-12-31"}) == set()


def test_same_result_as_the_plain_overlap_test(documenter):
    rng = random.Random(15)
    rows = []
    for i in range(60):
        start = D(2016, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 365))
        end = None if rng.random() < 0.5 else start + dt.timedelta(days=rng.choice([0, 1, 20, 100, 700]))
        factories.incident(documenter, title=f"i{i}", date=start, date_end=end)
        rows.append((f"i{i}", start, end))
    for _ in range(40):
        date_from = D(2016, 1, 1) + dt.timedelta(days=rng.randint(-30, 3 * 365 + 30))
        date_to = date_from + dt.timedelta(days=rng.randint(0, 200))
        expected = {title for title, start, end in rows if _overlaps(start, end, date_from, date_to)}
        assert _found({"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}) == expected
        expected_from = {title for title, start, end in rows if _overlaps(start, end, date_from, None)}
        assert _found({"date_from": date_from.isoformat()}) == expected_from


def test_list_counts_a_date_range_exactly_below_the_cap_and_says_more_than_above(client, coordinator, documenter, monkeypatch):
    from svidok.common.pagination import CappedPaginator
    from tests.helpers import login

    for day in (1, 2, 3):
        factories.incident(documenter, title=f"in {day}", date=D(2019, 5, day), date_end=D(2019, 6, day))
    factories.incident(documenter, title="outside", date=D(2019, 1, 1))
    login(client, coordinator)
    period = {"date_from": "2019-05-15", "date_to": "2019-12-31"}

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 3)
    page = client.get("/incidents/", period).context["page"]
    assert (page.paginator.count, page.paginator.capped) == (3, False)

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    response = client.get("/incidents/", period)
    assert response.context["page"].paginator.capped
    assert "More than 2 incidents" in response.content.decode()
