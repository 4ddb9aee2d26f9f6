"""Typed dates lie between 1900-01-01 and today, whichever way they come in (issue 10, "Bad input").

The finding: ``date_start`` 0197-12-03 was accepted, gave the reference ``SV-197-000001``, and every
list showing it then answered 500.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from svidok.audit.models import AuditEntry
from svidok.common.validation import check_date
from svidok.incidents.models import Election, Incident, Source
from svidok.incidents.services import record_election, record_source
from svidok.people.models import Person
from svidok.people.services import record_person
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db

EARLY = dt.date(197, 12, 3)
EARLY_MESSAGE = "Date 0197-12-03 is before 1900; check the year."


def test_check_date_takes_1900_01_01_and_today_and_refuses_the_day_before():
    check_date("date", dt.date(1900, 1, 1))
    check_date("date", timezone.localdate())

    with pytest.raises(ValidationError) as caught:
        check_date("date", dt.date(1899, 12, 31))

    assert caught.value.message_dict == {"date": ["Date 1899-12-31 is before 1900; check the year."]}


def test_record_incident_refuses_year_0197_and_writes_nothing(documenter):
    with pytest.raises(ValidationError) as caught:
        factories.incident(documenter, date=EARLY)

    assert caught.value.message_dict == {"date_start": [EARLY_MESSAGE]}
    assert Incident.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="incidents.incident").count() == 0


def test_record_incident_refuses_an_early_end_date(documenter):
    with pytest.raises(ValidationError) as caught:
        factories.incident(documenter, date=dt.date(2018, 3, 20), date_end=dt.date(1018, 3, 21))

    assert caught.value.message_dict["date_end"][0] == "Date 1018-03-21 is before 1900; check the year."


def test_incident_form_shows_the_date_error_on_the_field(client, documenter):
    from tests.incidents.test_views_form import incident_data

    login(client, documenter)

    response = client.post("/incidents/new/", incident_data(date_start="0197-12-03"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"date_start": [EARLY_MESSAGE]}
    assert Incident.objects.count() == 0


def test_api_answers_400_with_the_date_error(api, documenter):
    from tests.incidents.test_api import URL, payload

    response = api(documenter).post(URL, payload(date_start="0197-12-03"), format="json")

    assert response.status_code == 400
    assert response.json()["date_start"] == [EARLY_MESSAGE]
    assert Incident.objects.count() == 0


def test_importer_refuses_the_row_with_the_same_words(tmp_path, capsys):
    path = tmp_path / "incidents.csv"
    path.write_text("title,type,date_start\nTeacher dismissed,dismissal,0197-12-03\n", encoding="utf-8")

    with pytest.raises(Exception) as caught:
        call_command("import", str(path), "--no-progress")

    assert f"line 2: date_start: {EARLY_MESSAGE}" in str(caught.value) + "".join(capsys.readouterr())
    assert Incident.objects.count() == 0


def test_birth_date_before_1900_is_refused(documenter):
    with pytest.raises(ValidationError) as caught:
        record_person(actor=documenter, name="Mykola Petrenko", identity={"birth_date": dt.date(1812, 6, 24)})

    assert caught.value.message_dict == {"birth_date": ["Date 1812-06-24 is before 1900; check the year."]}
    assert Person.objects.count() == 0


def test_source_dates_before_1900_are_refused(documenter):
    with pytest.raises(ValidationError) as caught:
        record_source(actor=documenter, fields={"title": "QHA report", "kind": factories.term("source_type", "article"),
                                                "published_on": dt.date(18, 3, 20)})

    assert caught.value.message_dict == {"published_on": ["Date 0018-03-20 is before 1900; check the year."]}
    assert Source.objects.count() == 0


def test_election_day_must_be_a_plausible_date(coordinator):
    for day, message in ((dt.date(201, 3, 18), "Date 0201-03-18 is before 1900; check the year."),
                         (dt.date(2999, 3, 18), "Date 2999-03-18 is in the future.")):
        with pytest.raises(ValidationError) as caught:
            record_election(actor=coordinator, fields={"name": "Presidential 2018", "kind": "presidential", "date": day})

        assert caught.value.message_dict == {"date": [message]}
    assert Election.objects.count() == 0


@pytest.fixture
def early_incident(documenter):
    """An incident saved before the rule existed, as the attack left one: year 197, reference SV-197-000001."""
    incident = factories.incident(documenter)
    Incident.objects.filter(pk=incident.pk).update(date_start=EARLY, reference="SV-197-000001")
    return Incident.objects.get(pk=incident.pk)


def test_an_old_early_incident_does_not_break_the_list_and_can_be_opened(client, documenter, early_incident):
    login(client, documenter)

    listing = client.get("/incidents/")
    detail = client.get("/incidents/SV-197-000001/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert 'href="/incidents/SV-197-000001/"' in listing.content.decode()


def test_an_old_early_incident_can_be_fixed_through_its_edit_form(client, documenter, early_incident):
    from tests.incidents.test_views_form import incident_data

    login(client, documenter)

    response = client.post("/incidents/SV-197-000001/edit/", incident_data(date_start="2018-12-03"))

    assert response.status_code == 302
    assert Incident.objects.get().date_start == dt.date(2018, 12, 3)


def test_an_old_early_incident_does_not_break_the_api_list_and_can_be_read(api, documenter, early_incident):
    client = api(documenter)

    listing = client.get("/api/v1/incidents/")
    detail = client.get("/api/v1/incidents/SV-197-000001/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert [i["reference"] for i in listing.json()["results"]] == ["SV-197-000001"]
