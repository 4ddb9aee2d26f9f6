"""The statistics tables (svidok.reports.statistics) over incidents built here: every count checked
against what the test created, on SQLite and PostgreSQL."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from svidok.incidents.models import Election, Incident, Place
from svidok.incidents.services import record_incident, reopen_incident, submit_incident, verify_incident
from svidok.reports import statistics
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db

role = lambda code: factories.term("involvement_role", code)  # noqa: E731
kind = lambda code: factories.term("perpetrator_type", code)  # noqa: E731


def _with(documenter, *, involvements=(), tags=None, **fields):
    """An incident with parties or tags (the factory passes only the incident's own fields)."""
    fields = {"title": "Teacher dismissed", "type": factories.term("incident_type", "dismissal"), "date_start": dt.date(2018, 3, 20)} | fields
    return record_incident(actor=documenter, fields=fields, involvements=involvements, tags=tags)


def _verified(documenter, coordinator, **fields):
    incident = factories.incident(documenter, **fields)
    submit_incident(actor=documenter, incident=incident)
    return verify_incident(actor=coordinator, incident=incident)


def _rows(table):
    return [list(row) for row in table.rows]


def test_by_month_counts_per_month_and_type_with_gaps_and_election_days(documenter, election):
    factories.incident(documenter, date=dt.date(2018, 1, 5))
    factories.incident(documenter, date=dt.date(2018, 1, 25), type_code="search")
    factories.incident(documenter, date=dt.date(2018, 3, 18), type_code="search", date_precision="month")

    table = statistics.table(Incident.objects.all(), "by-month")

    assert table.kind == "timeline"
    assert table.columns == ["Month", "Dismissal", "Search", "All types"]
    assert _rows(table) == [["January 2018", 1, 1, 2], ["February 2018", 0, 0, 0], ["March 2018", 0, 1, 1]]
    assert table.months == [dt.date(2018, 1, 1), dt.date(2018, 2, 1), dt.date(2018, 3, 1)]
    assert table.marks == [(dt.date(2018, 3, 18), "Russian presidential election 2018 in Crimea")]
    assert table.note == "1 incident is known only to the month, year or a range: it is counted in the month it starts."


def test_by_month_marks_only_visible_elections_inside_the_period(documenter, election):
    factories.incident(documenter, date=dt.date(2018, 3, 1))
    factories.incident(documenter, date=dt.date(2018, 4, 30))

    hidden = statistics.table(Incident.objects.all(), "by-month", visible_elections=Election.objects.none())
    later = statistics.by_month(Incident.objects.filter(date_start__month=4))

    assert hidden.marks == []
    assert later.marks == []


def test_by_type_counts_each_type_most_first(documenter):
    for type_code in ("search", "search", "detention"):
        factories.incident(documenter, type_code=type_code)

    table = statistics.by_type(Incident.objects.all())

    assert table.columns == ["Type", "Incidents"]
    assert _rows(table) == [["Search", 2], ["Detention", 1]]
    assert table.total == 3


def test_by_region_and_raion_count_places_under_them_and_say_what_has_no_place(documenter, places):
    factories.incident(documenter, place=places["town"])
    factories.incident(documenter, place=places["raion"])
    factories.incident(documenter, place=places["crimea"])
    factories.incident(documenter)

    region = statistics.by_region(Incident.objects.all())
    raion = statistics.by_raion(Incident.objects.all())

    assert _rows(region) == [["Autonomous Republic of Crimea", 3]]
    assert region.note == "1 incident has no place."
    assert _rows(raion) == [["Bakhchysaraiskyi", 2]]
    assert raion.note == "1 incident has no place. 1 incident is placed at a region as a whole, not in a raion."


def test_by_region_names_places_in_the_readers_language(documenter, places):
    factories.incident(documenter, place=places["town"])

    with translation.override("uk"):
        table = statistics.by_region(Incident.objects.all())

    assert table.columns == ["Область", "Інциденти"]
    assert _rows(table) == [["Автономна Республіка Крим", 1]]


def test_by_place_without_any_place_says_so(documenter):
    factories.incident(documenter)
    factories.incident(documenter)

    table = statistics.by_raion(Incident.objects.all())

    assert table.rows == []
    assert table.note == "2 incidents have no place."
    assert table.empty == "No incident has a place in a raion."


def test_by_perpetrator_type_counts_incidents_once_per_type(documenter):
    commission = factories.organization(documenter)
    police = factories.organization(documenter, name="Police of Bakhchysarai", kind="police")
    both = [{"organization": commission, "role": role("perpetrator"), "perpetrator_type": kind("election_commission")},
            {"organization": police, "role": role("perpetrator"), "perpetrator_type": kind("police")},
            {"new_organization": {"name": "Second police unit"}, "role": role("instigator"), "perpetrator_type": kind("police")}]
    _with(documenter, involvements=both)
    _with(documenter, involvements=both[1:2])
    _with(documenter, involvements=[{"organization": police, "role": role("perpetrator")}])

    table = statistics.by_perpetrator_type(Incident.objects.all())

    assert _rows(table) == [["Police", 2], ["Election commission", 1]]
    assert table.note == "1 incident has no perpetrator type recorded."


def test_by_victim_group_counts_persons_and_organization_kinds(documenter):
    school = factories.organization(documenter, name="School No. 5", kind="school")
    victim = role("victim")
    _with(documenter, involvements=[{"new_person": {"name": "Olena Kovalenko"}, "role": victim},
                                                 {"new_person": {"name": "Iryna Melnyk"}, "role": victim},
                                                 {"organization": school, "role": victim}])
    _with(documenter, involvements=[{"organization": school, "role": victim}])
    _with(documenter, involvements=[{"new_organization": {"name": "A choir"}, "role": victim}])
    _with(documenter, involvements=[{"organization": school, "role": role("employer")}])

    table = statistics.by_victim_group(Incident.objects.all())

    assert table.columns == ["Victims", "Incidents"]
    assert _rows(table) == [["School or university", 2], ["Organizations of no recorded kind", 1], ["Persons", 1]]
    assert table.note == "1 incident has no victim recorded as a person or organization."


def test_by_status_counts_verified_against_reported(documenter, coordinator):
    _verified(documenter, coordinator)
    submit_incident(actor=documenter, incident=factories.incident(documenter))
    factories.incident(documenter)
    factories.incident(documenter)

    table = statistics.by_status(Incident.objects.all())

    assert _rows(table) == [["Draft", 2], ["Submitted", 1], ["Verified", 1]]
    assert table.summary == "1 of 4 incidents are verified (25%)."


def test_time_to_verification_buckets_and_median_from_the_change_history(documenter, coordinator):
    waits = {"same day": 0, "three days": 3, "ten days": 10, "two years": 800}
    for title, days in waits.items():
        incident = factories.incident(documenter, title=title)
        Incident.objects.filter(pk=incident.pk).update(created_at=timezone.now() - dt.timedelta(days=days, hours=1))
        submit_incident(actor=documenter, incident=incident)
        verify_incident(actor=coordinator, incident=incident)
    submit_incident(actor=documenter, incident=factories.incident(documenter, title="waiting"))

    table = statistics.time_to_verification(Incident.objects.all())

    assert _rows(table) == [["Within a day", 1], ["2 to 7 days", 1], ["8 to 30 days", 1], ["31 to 90 days", 0],
                            ["91 to 365 days", 0], ["More than a year", 1]]
    assert table.summary == "Median: 6.5 days, over 4 verified incidents."
    assert statistics.median_days(Incident.objects.all()) == 6.5
    assert table.note == ""


def test_time_to_verification_counts_from_the_last_verification(documenter, coordinator):
    incident = _verified(documenter, coordinator)
    Incident.objects.filter(pk=incident.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    reopen_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=Incident.objects.get(pk=incident.pk))

    table = statistics.time_to_verification(Incident.objects.all())

    assert [row[1] for row in table.rows] == [0, 0, 0, 1, 0, 0]


def test_time_to_verification_says_when_nothing_is_verified_or_it_is_not_on_record(documenter):
    incident = factories.incident(documenter)

    none_yet = statistics.time_to_verification(Incident.objects.all())
    # An import may bring incidents verified already: no status change of theirs is in the log.
    Incident.objects.filter(pk=incident.pk).update(status="verified")
    imported = statistics.time_to_verification(Incident.objects.all())

    assert none_yet.rows == []
    assert none_yet.empty == "No incident is verified yet."
    assert imported.rows == []
    assert imported.note == ""
    assert imported.empty == ("1 verified incident has no verification in the change history (it was imported already "
                             "verified): it is not counted.")


def test_every_table_of_an_empty_period_says_so(documenter):
    factories.incident(documenter, date=dt.date(2018, 3, 1))

    tables = statistics.compute(Incident.objects.filter(date_start__year=2030))

    assert [t.key for t in tables] == list(statistics.KEYS)
    assert [t.rows for t in tables] == [[]] * 8
    assert {t.empty for t in tables} == {"No incidents to count: nothing matches these filters, or nothing has been recorded yet."}
    assert {t.note for t in tables} == {""}


def test_compute_counts_a_filtered_queryset_with_joins_once(documenter, places):
    _with(documenter, place=places["town"], tags=["teachers", "schools"])
    # Filtering on a many-valued relation repeats the row per matching tag; the tables do not.
    joined = Incident.objects.filter(tags__name__in=["teachers", "schools"])

    tables = {t.key: t for t in statistics.compute(joined)}

    assert joined.count() == 2
    assert _rows(tables["by-type"]) == [["Dismissal", 1]]
    assert _rows(tables["by-region"]) == [["Autonomous Republic of Crimea", 1]]


def test_compute_asks_a_fixed_number_of_queries_whatever_the_number_of_incidents(documenter, coordinator, places, election):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            statistics.compute(Incident.objects.all())
        return len(captured)

    _verified(documenter, coordinator, place=places["town"])
    few = queries()
    for month in range(1, 10):
        _verified(documenter, coordinator, place=places["raion"], date=dt.date(2017, month, 2), type_code="search")

    assert queries() == few


def test_table_csv_has_headers_in_the_readers_language_and_safe_cells(documenter, places):
    Place.objects.filter(pk=places["raion"].pk).update(name_uk="=Бахчисарайський")
    factories.incident(documenter, place=places["town"])

    with translation.override("uk"):
        text = statistics.table_csv(statistics.by_raion(Incident.objects.all()))

    assert list(csv.reader(io.StringIO(text))) == [["Район", "Інциденти"], ["'=Бахчисарайський", "1"]]


def test_a_median_under_a_day_is_said_in_words_not_as_zero_days(documenter, coordinator):
    for hours in (1, 2, 30):
        incident = factories.incident(documenter)
        Incident.objects.filter(pk=incident.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours))
        submit_incident(actor=documenter, incident=incident)
        verify_incident(actor=coordinator, incident=incident)

    table = statistics.time_to_verification(Incident.objects.all())

    assert table.summary == "Median: less than a day, over 3 verified incidents."
    assert statistics.median_days(Incident.objects.all()) == 0.1
