"""Matches in rank order from the key index (``search.api.ranked_ids`` and ``first_matching``), and
the rank every writer of incidents keeps in their entries: the day the incident began."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from svidok.incidents.importing import import_incidents
from svidok.incidents.models import Incident
from svidok.incidents.services import update_incident
from svidok.search import api
from svidok.search.indexing import day_rank
from svidok.search.models import SearchEntry
from tests import factories

pytestmark = pytest.mark.django_db
D = dt.date


def _ranks(incident) -> set[int]:
    return set(SearchEntry.objects.filter(object_type="incident", object_id=incident.pk).values_list("rank", flat=True))


def _newest_first(*incidents) -> list[int]:
    return [i.pk for i in sorted(incidents, key=lambda i: (i.date_start, i.pk), reverse=True)]


def test_day_rank_counts_days_from_1970():
    assert (day_rank(D(1970, 1, 1)), day_rank(D(1970, 1, 2)), day_rank(D(1969, 12, 31))) == (0, 1, -1)
    assert day_rank(D(2018, 3, 18)) - day_rank(D(2014, 3, 16)) == (D(2018, 3, 18) - D(2014, 3, 16)).days


def test_every_entry_of_an_incident_carries_the_day_it_began_through_each_writer(documenter, coordinator):
    recorded = factories.incident(documenter, title="Teacher Hordiienko dismissed", date=D(2018, 3, 20))
    assert _ranks(recorded) == {day_rank(D(2018, 3, 20))}

    update_incident(actor=documenter, incident=recorded, fields={"date_start": D(2016, 9, 18)})
    assert _ranks(recorded) == {day_rank(D(2016, 9, 18))}

    result = import_incidents(actor=coordinator, rows=[(2, {"title": "Nurse Hordiienko threatened", "type": "threat_of_dismissal",
                                                            "date_start": "2014-03-16"})])
    imported = Incident.objects.get(title="Nurse Hordiienko threatened")
    assert (result.errors, result.created["incidents"]) == ([], 1)
    assert _ranks(imported) == {day_rank(D(2014, 3, 16))}


def test_ranked_ids_are_newest_first_then_highest_id_each_once(documenter):
    older = factories.incident(documenter, title="Hordiienko dismissed", date=D(2016, 9, 18))
    same_day = [factories.incident(documenter, title=f"Hordiienko threatened {n}", date=D(2018, 3, 18)) for n in range(2)]
    # Two keys of one word ("Hordiienko", "Hordiienka") under the prefix: the incident comes once.
    newest = factories.incident(documenter, title="Hordiienko and Hordiienka fined", date=D(2021, 9, 19))
    factories.incident(documenter, title="Nurse threatened", date=D(2024, 3, 17))

    expected = _newest_first(older, *same_day, newest)

    assert api.ranked_ids("incident", "Hordiien") == expected
    assert api.ranked_ids("incident", "Hordiien", 2) == expected[:2]


@pytest.mark.parametrize("walked", [1, 32])
def test_a_prefix_of_many_keys_is_sorted_by_the_database_in_the_same_order(documenter, monkeypatch, walked):
    # Keys under "hordi": hordiienko, hordiienka, hordiichuk, hordii ... (more than one).
    made = [factories.incident(documenter, title=title, date=D(2014 + n % 4, 1 + n, 1)) for n, title in enumerate(
        ["Hordiienko", "Hordiichuk", "Hordii Petrenko", "Hordiienka", "Hordiichuka", "Hordiienko Hordiichuk"])]
    monkeypatch.setattr(api, "MAX_WALKED_KEYS", walked)

    assert api.ranked_ids("incident", "Hordi") == _newest_first(*made)
    assert api.ranked_ids("incident", "Hordi", 3) == _newest_first(*made)[:3]


def test_keys_under_a_prefix_are_read_one_step_each_and_stop_at_the_limit(documenter):
    from svidok.search.backends import backend

    factories.incident(documenter, title="Hordiienko Hordiichuk Hordynskyi Horlivka")
    under = sorted(set(SearchEntry.objects.filter(key__startswith="ikard").values_list("key", flat=True)))

    assert len(under) >= 3
    assert backend().keys_under("ikard", 100) == under
    assert backend().keys_under("ikard", 2) == under[:2]
    assert backend().keys_under("izzzz", 5) == []


def test_ranked_ids_of_several_words_intersect_in_rank_order(documenter):
    both = [factories.incident(documenter, title=f"Teacher Hordiienko {n}", date=D(2015 + n, 1, 1)) for n in range(3)]
    factories.incident(documenter, title="Teacher Melnyk", date=D(2023, 1, 1))
    factories.incident(documenter, title="Nurse Hordiienko", date=D(2024, 1, 1))

    assert api.ranked_ids("incident", "Hordiienko teacher") == _newest_first(*both)
    assert api.ranked_ids("incident", "") == []


def test_first_matching_keeps_the_order_and_stops_once_it_has_enough(documenter, monkeypatch):
    made = [factories.incident(documenter, title=f"Hordiienko {n}", date=D(2014, 1, 1) + dt.timedelta(days=n)) for n in range(12)]
    order = _newest_first(*made)
    refused = set(order[::3])  # e.g. not visible to the reader
    asked: list[list[int]] = []

    def keep(ids):
        asked.append(list(ids))
        return {pk for pk in ids if pk not in refused}

    monkeypatch.setattr(api, "MIN_PROBE", 2)
    found = api.first_matching("incident", "Hordiienko", keep, 4)

    kept_in_order = [pk for pk in order if pk not in refused]
    assert found == kept_in_order[:4]
    # Asked about the newest first, and not about the oldest: it stopped.
    assert [pk for batch in asked for pk in batch] == order[:len(sum(asked, []))]
    assert len(sum(asked, [])) < len(order)


def test_first_matching_reads_further_matches_when_the_first_run_out(documenter, monkeypatch):
    made = [factories.incident(documenter, title=f"Hordiienko {n}", date=D(2014, 1, 1) + dt.timedelta(days=n)) for n in range(7)]
    order = _newest_first(*made)
    monkeypatch.setattr(api, "MIN_PROBE", 1)
    limits = []
    ranked_ids = api.ranked_ids
    monkeypatch.setattr(api, "ranked_ids", lambda *args: limits.append(args[2]) or ranked_ids(*args))

    # Two wanted: the first read takes 3 x 2 = 6 matches, which hold only one of the two oldest.
    oldest_two = api.first_matching("incident", "Hordiienko", lambda ids: set(ids) & set(order[-2:]), 2)
    everything = api.first_matching("incident", "Hordiienko", lambda ids: set(ids), 100)

    assert oldest_two == order[-2:]
    assert everything == order
    assert limits == [6, 48, 300]
    assert api.first_matching("incident", "Hordiienko", lambda ids: set(ids), 0) == []
    assert api.first_matching("incident", "nothing-like-it", lambda ids: set(ids), 5) == []


def test_the_migration_fills_the_rank_of_entries_written_before_it(documenter):
    incidents = [factories.incident(documenter, title=f"Hordiienko {n}", date=D(2014 + n, 3, 16)) for n in range(3)]
    person = factories.person(documenter, "Mykola Hordiienko")
    SearchEntry.objects.update(rank=0)
    migration = importlib.import_module("svidok.incidents.migrations.0011_search_rank")

    # What the migration's schema editor offers it (a real one cannot open inside a test's transaction on SQLite).
    with connection.cursor() as cursor:
        migration.fill(None, SimpleNamespace(connection=connection, execute=cursor.execute))

    assert [_ranks(i) for i in incidents] == [{day_rank(i.date_start)} for i in incidents]
    assert set(SearchEntry.objects.filter(object_type="person", object_id=person.pk).values_list("rank", flat=True)) == {0}
