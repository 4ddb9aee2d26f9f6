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


# Each way a word's matches are read in rank order (search.api.ranked_ids): its keys' streams
# merged, bands of ranks across its keys, or sorted by the database (few entries, or too many keys).
READS = {
    "merged": {},
    "bands": {"MAX_WALKED_KEYS": 1, "FEW_ENTRIES": 1, "FIRST_BAND": 1},
    "sorted, few entries": {"MAX_WALKED_KEYS": 1, "FEW_ENTRIES": 10**6},
    "sorted, too many keys": {"MAX_WALKED_KEYS": 1, "FEW_ENTRIES": 1, "MAX_SEEKED_KEYS": 1},
}


@pytest.mark.parametrize("read", READS)
def test_a_prefix_of_many_keys_gives_the_same_order_whichever_way_it_is_read(documenter, monkeypatch, read):
    # Keys under "hordi": hordiienko, hordiienka, hordiichuk, hordii ... (more than one); ties on a
    # day, a day before 1970 (a negative rank) and a gap of years between the newest and the rest.
    dates = [D(2014, 1, 1), D(2014, 1, 1), D(2015, 6, 1), D(1968, 5, 1), D(2016, 2, 1), D(2024, 3, 17), D(2014, 1, 2)]
    titles = ["Hordiienko", "Hordiichuk", "Hordii Petrenko", "Hordiienka", "Hordiichuka", "Hordiienko Hordiichuk", "Hordiiv"]
    made = [factories.incident(documenter, title=title, date=day) for title, day in zip(titles, dates, strict=True)]
    factories.incident(documenter, title="Nurse threatened", date=D(2024, 3, 18))
    for name, value in READS[read].items():
        monkeypatch.setattr(api, name, value)
    expected = _newest_first(*made)

    assert [api.ranked_ids("incident", "Hordi", limit) for limit in (None, 1, 2, 3, 6, 7, 50)] == [
        expected, *(expected[:limit] for limit in (1, 2, 3, 6, 7, 50))]


def test_a_two_letter_word_is_read_from_the_stem_index_in_the_same_order(documenter, monkeypatch):
    # "Ho" is the stem "ika": Hordiienko, Horlivka, Kolomiiets, Khan... (h, k and kh are one letter).
    titles = ["Hordiienko", "Horlivka", "Kolomiiets", "Khan Hordii", "Nurse threatened", "Hordiichuk"]
    dates = [D(2014, 1, 1), D(2014, 1, 1), D(2016, 2, 1), D(1968, 5, 1), D(2024, 3, 18), D(2015, 6, 1)]
    made = [factories.incident(documenter, title=title, date=day) for title, day in zip(titles, dates, strict=True)]
    factories.incident(documenter, title="Teacher Melnyk", date=D(2023, 1, 1))
    expected = _newest_first(*(i for i in made if i.title != "Nurse threatened"))
    walked = []
    monkeypatch.setattr(api, "_walk_stem", lambda stem, limit, walk=api._walk_stem: walked.append(stem) or walk(stem, limit))

    found = [api.ranked_ids("incident", "Ho", limit) for limit in (1, 2, 4, 5, 50)]

    assert walked == ["ika"] * 5
    assert found == [expected[:limit] for limit in (1, 2, 4, 5, 50)]
    # The same as the database's sort of the prefix's entries.
    monkeypatch.setattr(SearchEntry, "STEM_LENGTH", 0)
    for name, value in READS["sorted, few entries"].items():
        monkeypatch.setattr(api, name, value)
    assert [api.ranked_ids("incident", "Ho", limit) for limit in (1, 2, 4, 5, 50)] == found


def test_the_stem_walk_is_one_range_of_the_stem_index(documenter):
    made = factories.incident(documenter, title="Hordiienko", date=D(2014, 1, 1))
    sql, params = api._stem_statement("ika", 10)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows: PostgreSQL would rather read the table than any index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql, params)
        plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)

    assert api._walk_stem("ika", 10) == [(day_rank(D(2014, 1, 1)), made.pk)]
    assert "search_entry_stem_rank" in plan
    # In the index's order, each record's entries are neighbours: no sort, no table of seen ids.
    assert "TEMP B-TREE" not in plan and "Sort" not in plan


def test_bands_go_down_from_the_highest_rank_and_reach_the_lowest_when_matches_are_sparse(documenter, monkeypatch):
    from svidok.search.backends import backend

    newest = [factories.incident(documenter, title=f"Hordiienko {n}", date=D(2024, 3, 1 + n)) for n in range(4)]
    oldest = factories.incident(documenter, title="Hordiichuk", date=D(1990, 1, 1))
    for name, value in READS["bands"].items():
        monkeypatch.setattr(api, name, value)
    bands = []
    db = backend()
    monkeypatch.setattr(db, "ranked_between", staticmethod(
        lambda keys, low, high, read=db.ranked_between: bands.append((low, high)) or read(keys, low, high)))

    assert api.ranked_ids("incident", "Hordi", 2) == _newest_first(*newest)[:2]
    top = day_rank(D(2024, 3, 4))
    # The highest day alone first (FIRST_BAND = 1), then as wide as one match a day says two need.
    assert bands == [(top, None), (top - 2, top)]

    bands.clear()
    assert api.ranked_ids("incident", "Hordi", 5) == _newest_first(*newest, oldest)
    # 34 years of nothing below the newest four: each empty band eight times as wide as all before,
    # until one reaches the lowest rank and takes the rest.
    assert bands[-1][0] is None and bands[-1][1] is not None
    assert len(bands) <= 7


def test_the_highest_rank_and_a_band_of_ranks_of_some_keys(documenter):
    from svidok.search.backends import backend

    made = [factories.incident(documenter, title="Hordiienko", date=day) for day in (D(2014, 3, 16), D(2018, 3, 18), D(2024, 3, 17))]
    keys = ["ikardanka", "izzzz"]
    ranks = {pk: day_rank(i.date_start) for i, pk in ((i, i.pk) for i in made)}
    db = backend()

    assert db.extreme_rank(keys, highest=True) == day_rank(D(2024, 3, 17))
    assert db.extreme_rank(keys, highest=False) == day_rank(D(2014, 3, 16))
    assert db.extreme_rank(["izzzz"], highest=True) is None
    assert sorted(db.ranked_between(keys, None, None)) == sorted((rank, pk) for pk, rank in ranks.items())
    assert db.ranked_between(keys, day_rank(D(2018, 3, 18)), day_rank(D(2024, 3, 17))) == [(day_rank(D(2018, 3, 18)), made[1].pk)]
    assert sorted(db.ranked_between(keys, None, day_rank(D(2018, 3, 19)))) == sorted(
        (ranks[i.pk], i.pk) for i in made[:2])


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
