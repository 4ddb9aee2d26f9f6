"""Consent through the API: ``/api/v1/persons/{uuid}/consents/`` (list, record) and
``.../consents/{consent_uuid}/withdraw/``; sealed notes only for ``person.identity``."""

import datetime as dt

import pytest
from drf_spectacular.generators import SchemaGenerator

from svidok.audit.models import AuditEntry
from svidok.people import consent as consents
from svidok.people.models import Consent
from tests import factories

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
NOTE = "Signed form kept in the Kyiv office safe, witnessed by Олег Бондар"
PERSONS = "/api/v1/persons/"
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name=NAME, protected=True)


def give(actor, person, purpose="litigation", **extra):
    values = {"given_on": dt.date(2024, 3, 1), "method": "written", "note": NOTE} | extra
    return consents.record_consent(actor=actor, person=person, purpose=purpose, **values)


def url(person, consent=None):
    if consent is None:
        return f"{PERSONS}{person.uuid}/consents/"
    return f"{PERSONS}{person.uuid}/consents/{consent.uuid}/withdraw/"


def test_the_list_shows_notes_to_cleared_callers_only(api, coordinator, analyst, victim):
    consent = give(coordinator, victim, purpose="partner", partner="OSCE ODIHR")

    cleared = api(coordinator).get(url(victim))
    uncleared = api(analyst).get(url(victim))

    assert cleared.status_code == 200 and uncleared.status_code == 200
    assert cleared.json()[0]["note"] == NOTE
    row = uncleared.json()[0]
    assert row == {
        "uuid": str(consent.uuid), "purpose": "partner", "partner": "OSCE ODIHR", "given_on": "2024-03-01",
        "method": "written", "note": None, "recorded_at": row["recorded_at"], "recorded_by": coordinator.username,
        "in_force": True, "withdrawn_on": None, "withdrawal_method": None, "withdrawal_note": None,
        "withdrawal_recorded_at": None, "withdrawal_recorded_by": None,
    }
    assert NAME not in uncleared.content.decode() and "Бондар" not in uncleared.content.decode()


def test_a_documenter_records_a_consent(api, documenter, victim):
    response = api(documenter).post(url(victim), {"purpose": "publication", "given_on": "2024-05-02",
                                                  "method": "witnessed", "note": NOTE}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["purpose"], body["given_on"], body["method"], body["note"], body["in_force"]) == (
        "publication", "2024-05-02", "witnessed", None, True)
    consent = Consent.objects.get()
    assert (consent.person, consent.note, consent.recorded_by) == (victim, NOTE, documenter)
    assert AuditEntry.objects.filter(object_id=victim.public_id, action="consent").count() == 1


@pytest.mark.parametrize("body, field", [
    ({"purpose": "partner"}, "partner"),
    ({"partner": "OSCE ODIHR"}, "partner"),
    ({"purpose": "bribery"}, "purpose"),
    ({"method": "telepathy"}, "method"),
    ({"given_on": "2999-01-01"}, "given_on"),
    ({"given_on": "yesterday"}, "given_on"),
    ({"note": "bad\x01note"}, "note"),
    ({"note": "x" * 2001}, "note"),
])
def test_a_bad_consent_is_400_by_field_and_writes_nothing(api, documenter, victim, body, field):
    data = {"purpose": "litigation", "given_on": "2024-03-01", "method": "written"} | body

    response = api(documenter).post(url(victim), data, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Consent.objects.exists()


def test_consent_for_a_person_who_is_not_protected_is_400(api, documenter, coordinator):
    official = factories.person(coordinator, name="Олег Петренко")

    response = api(documenter).post(url(official), {"purpose": "litigation", "given_on": "2024-03-01",
                                                    "method": "written"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["purpose"]


def test_an_analyst_may_read_but_not_record(api, analyst, victim):
    response = api(analyst).post(url(victim), {"purpose": "bribery"}, format="json")

    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_an_unknown_person_is_404(api, coordinator):
    assert api(coordinator).get(f"{PERSONS}{UNKNOWN}/consents/").status_code == 404


def test_anonymous_is_401(api, victim):
    assert api().get(url(victim)).status_code == 401


def test_a_coordinator_records_a_withdrawal(api, coordinator, victim):
    consent = give(coordinator, victim)

    response = api(coordinator).post(url(victim, consent), {"withdrawn_on": "2024-06-01", "method": "message",
                                                             "note": "phoned"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["withdrawn_on"], body["withdrawal_method"], body["withdrawal_note"], body["in_force"],
            body["withdrawal_recorded_by"]) == ("2024-06-01", "message", "phoned", False, coordinator.username)
    assert AuditEntry.objects.filter(object_id=victim.public_id, action="consent_withdraw").count() == 1


@pytest.mark.parametrize("body, field", [
    ({"withdrawn_on": "2024-02-29"}, "withdrawn_on"),
    ({"method": "telepathy"}, "method"),
    ({"note": "bad\x01note"}, "note"),
])
def test_a_bad_withdrawal_is_400_by_field(api, coordinator, victim, body, field):
    consent = give(coordinator, victim)
    data = {"withdrawn_on": "2024-06-01", "method": "message"} | body

    response = api(coordinator).post(url(victim, consent), data, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_second_withdrawal_is_400(api, coordinator, victim):
    consent = give(coordinator, victim)
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 5, 1), method="written")

    response = api(coordinator).post(url(victim, consent), {"withdrawn_on": "2024-06-01", "method": "message"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["withdrawn_on"]


def test_another_persons_consent_is_404(api, coordinator, victim):
    other = factories.person(coordinator, name="Олена Шевчук", protected=True)
    consent = give(coordinator, other)

    response = api(coordinator).post(f"{PERSONS}{victim.uuid}/consents/{consent.uuid}/withdraw/",
                                     {"withdrawn_on": "2024-06-01", "method": "message"}, format="json")

    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_viewer_may_not_withdraw(api, coordinator, viewer, victim):
    consent = give(coordinator, victim)

    response = api(viewer).post(url(victim, consent), {"withdrawn_on": "2024-06-01", "method": "message"}, format="json")

    assert response.status_code == 403


def test_the_schema_enumerates_the_vocabulary():
    spec = SchemaGenerator().get_schema(request=None, public=True)

    components = spec["components"]["schemas"]
    assert components["ConsentPurposeEnum"]["enum"] == ["litigation", "partner", "publication"]
    assert components["ConsentMethodEnum"]["enum"] == ["written", "recorded", "witnessed", "message", "representative"]
    write = components["ConsentWriteRequest"]["properties"]
    assert write["purpose"] == {"$ref": "#/components/schemas/ConsentPurposeEnum"}
    read = components["Consent"]["properties"]
    assert read["withdrawal_method"]["nullable"] is True and read["note"]["nullable"] is True
    # The evidence items' "method" keeps its own name.
    assert components["MethodEnum"]["enum"] == ["upload", "api", "command", "capture", "archive"]
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/persons/{uuid}/consents/"])
    assert "post" in paths["/api/v1/persons/{uuid}/consents/{consent_uuid}/withdraw/"]
