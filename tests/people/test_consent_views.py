"""Consent on the person's page (issue 10, item 4): who sees the section, its forms and its sealed
notes; recording and withdrawing through the web; refusals name the field and write nothing."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from svidok.audit.models import AuditEntry
from svidok.incidents.services import add_involvement
from svidok.people import consent as consents
from svidok.people.models import Consent
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
NOTE = "Signed form kept in the Kyiv office safe, witnessed by Олег Бондар"
WITHDRAWAL_NOTE = "Phoned from Simferopol, asked Оксана Ткач to stop"
GIVEN = dt.date(2024, 3, 1)
SECTION = "What this person agreed to."


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name=NAME, protected=True)


def give(actor, person, purpose="litigation", **extra):
    values = {"given_on": GIVEN, "method": "written", "note": NOTE} | extra
    return consents.record_consent(actor=actor, person=person, purpose=purpose, **values)


def page(client, user, person):
    login(client, user)
    response = client.get(reverse("people:person_detail", args=[person.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def record_url(person):
    return reverse("people:person_consent", args=[person.uuid])


def withdraw_url(consent):
    return reverse("people:person_consent_withdraw", args=[consent.person.uuid, consent.uuid])


def withdrawal_data(consent, **values):
    data = {"withdrawn_on": "2024-06-01", "method": "message", "note": WITHDRAWAL_NOTE} | values
    return {f"withdraw-{consent.uuid}-{k}": v for k, v in data.items()}


def consent_data(**values):
    data = {"purpose": "litigation", "partner": "", "given_on": "2024-03-01", "method": "written", "note": NOTE} | values
    return {f"consent-{k}": v for k, v in data.items()}


def text_of(html: str) -> str:
    """What a reader sees: the page without its tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html)


# -- who sees what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_readers_see_the_consents_without_notes_or_forms(client, request, coordinator, victim, role):
    consent = give(coordinator, victim, purpose="partner", partner="OSCE ODIHR")
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="message",
                              note=WITHDRAWAL_NOTE)
    give(coordinator, victim, purpose="publication", method="witnessed", given_on=dt.date(2024, 7, 1))

    html = page(client, request.getfixturevalue(role), victim)

    text = text_of(html)
    assert SECTION in text
    assert "sharing with a named partner: OSCE ODIHR" in text and "publication" in text
    assert "given by secure message" in text and "given orally before a witness" in text
    assert "2024-06-01" in text and "withdrawn" in text and "in force" in text
    assert coordinator.username in text
    assert NOTE not in html and WITHDRAWAL_NOTE not in html and NAME not in html
    assert record_url(victim) not in html and "withdraw-" not in html
    assert str(consent.uuid) not in text


def test_a_documenter_sees_the_forms_but_not_the_notes(client, documenter, coordinator, victim):
    in_force = give(coordinator, victim)
    withdrawn = give(coordinator, victim, purpose="publication")
    consents.withdraw_consent(actor=coordinator, consent=withdrawn, withdrawn_on=dt.date(2024, 4, 1), method="written")

    html = page(client, documenter, victim)

    assert f'action="{record_url(victim)}"' in html
    assert f'action="{withdraw_url(in_force)}"' in html
    assert f'action="{withdraw_url(withdrawn)}"' not in html  # a withdrawal is recorded once
    assert NOTE not in html and NAME not in html


def test_a_coordinator_reads_the_sealed_notes(client, coordinator, victim):
    consent = give(coordinator, victim)
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="message",
                              note=WITHDRAWAL_NOTE)

    html = page(client, coordinator, victim)

    assert NOTE in html and WITHDRAWAL_NOTE in html
    assert NAME not in html  # the notes, not the identity: that stays behind a reveal


def test_the_partners_named_so_far_are_offered(client, documenter, coordinator, victim):
    give(coordinator, victim, purpose="partner", partner="OSCE  ODIHR")
    other = factories.person(coordinator, name="Олена Шевчук", protected=True)

    html = page(client, documenter, other)

    assert '<datalist id="consent-partners"><option value="OSCE ODIHR"></datalist>' in html
    assert 'list="consent-partners"' in html


def test_a_person_who_is_not_protected_has_no_consent_section(client, coordinator):
    official = factories.person(coordinator, name="Олег Петренко")

    html = page(client, coordinator, official)

    assert SECTION not in html and 'id="consents"' not in html


def test_no_consent_yet_says_what_documents_do(client, viewer, victim):
    text = text_of(page(client, viewer, victim))

    assert "No consent recorded: documents that leave Svidok show this person by pseudonym" in text


# -- recording ------------------------------------------------------------------------------------


def test_a_documenter_records_a_consent(client, documenter, victim):
    login(client, documenter)

    response = client.post(record_url(victim), consent_data(purpose="partner", partner=" OSCE   ODIHR "))

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[victim.uuid]) + "#consents"
    consent = Consent.objects.get()
    assert (consent.person, consent.purpose, consent.partner, consent.given_on, consent.method, consent.note,
            consent.recorded_by) == (victim, "partner", "OSCE ODIHR", GIVEN, "written", NOTE, documenter)
    assert AuditEntry.objects.filter(object_id=victim.public_id, action="consent").count() == 1
    followed = client.get(response["Location"]).content.decode()
    assert "Consent recorded: sharing with a named partner." in followed


@pytest.mark.parametrize("values, field, message", [
    ({"purpose": ""}, "purpose", "This field is required."),
    ({"purpose": "bribery"}, "purpose", "Select a valid choice."),
    ({"purpose": "partner"}, "partner", "Name the partner the person agreed to share with."),
    ({"partner": "OSCE ODIHR"}, "partner", "A partner is named only for consent to share with a partner."),
    ({"given_on": ""}, "given_on", "This field is required."),
    ({"given_on": "2024-02-30"}, "given_on", "Enter a valid date."),
    ({"given_on": "1899-12-31"}, "given_on", "before 1900"),
    ({"given_on": "2999-01-01"}, "given_on", "is in the future"),
    ({"method": "telepathy"}, "method", "Select a valid choice."),
    ({"note": "bad\x00note"}, "note", "Null characters are not allowed."),
    ({"note": "x" * 2001}, "note", "Keep the note under 2000 characters."),
])
def test_a_bad_consent_shows_the_field_error_and_writes_nothing(client, documenter, victim, values, field, message):
    login(client, documenter)

    response = client.post(record_url(victim), consent_data(**values))

    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'for="id_consent-{field}".*?<div class="errors" role="alert">(.*?)</div>', html, re.S)
    assert error is not None and message in error.group(1)
    assert not Consent.objects.exists()
    assert not AuditEntry.objects.filter(action="consent").exists()


def test_consent_for_a_person_who_is_not_protected_is_refused(client, documenter, coordinator):
    official = factories.person(coordinator, name="Олег Петренко")
    login(client, documenter)

    response = client.post(record_url(official), consent_data())

    assert response.status_code == 400
    assert "This person is not protected" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_viewer_may_not_record_a_consent(client, viewer, victim):
    login(client, viewer)

    response = client.post(record_url(victim), consent_data())

    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_recording_takes_no_get(client, documenter, victim):
    login(client, documenter)

    assert client.get(record_url(victim)).status_code == 405


# -- withdrawing ----------------------------------------------------------------------------------


def test_a_coordinator_records_a_withdrawal(client, coordinator, victim):
    consent = give(coordinator, victim)
    login(client, coordinator)

    response = client.post(withdraw_url(consent), withdrawal_data(consent))

    assert response.status_code == 302
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawal_method, consent.withdrawal_note, consent.withdrawal_recorded_by) == (
        dt.date(2024, 6, 1), "message", WITHDRAWAL_NOTE, coordinator)
    followed = client.get(response["Location"]).content.decode()
    assert "Withdrawal recorded: litigation." in followed
    assert f'action="{withdraw_url(consent)}"' not in followed


@pytest.mark.parametrize("values, field, message", [
    ({"withdrawn_on": "2024-02-29"}, "withdrawn_on", "A consent cannot be withdrawn before it was given (2024-03-01)."),
    ({"withdrawn_on": ""}, "withdrawn_on", "This field is required."),
    ({"withdrawn_on": "2999-01-01"}, "withdrawn_on", "is in the future"),
    ({"method": ""}, "method", "This field is required."),
    ({"note": "bad\x01note"}, "note", "Invisible control character U+0001"),
])
def test_a_bad_withdrawal_shows_the_field_error_and_changes_nothing(client, coordinator, victim, values, field, message):
    consent = give(coordinator, victim)
    login(client, coordinator)

    response = client.post(withdraw_url(consent), withdrawal_data(consent, **values))

    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'for="id_withdraw-{consent.uuid}-{field}".*?<div class="errors" role="alert">(.*?)</div>', html, re.S)
    assert error is not None and message in error.group(1)
    assert '<details class="withdrawal" open>' in html
    consent.refresh_from_db()
    assert consent.withdrawn_on is None
    assert not AuditEntry.objects.filter(action="consent_withdraw").exists()


def test_a_consent_withdrawn_twice_is_refused_on_the_form(client, coordinator, victim):
    consent = give(coordinator, victim)
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 5, 1), method="written")
    login(client, coordinator)

    response = client.post(withdraw_url(consent), withdrawal_data(consent))

    assert response.status_code == 400
    assert "This consent was already withdrawn on 2024-05-01." in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2024, 5, 1)


def test_another_persons_consent_is_not_found(client, coordinator, victim):
    other = factories.person(coordinator, name="Олена Шевчук", protected=True)
    consent = give(coordinator, other)
    login(client, coordinator)

    response = client.post(reverse("people:person_consent_withdraw", args=[victim.uuid, consent.uuid]),
                           withdrawal_data(consent))

    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_viewer_may_not_record_a_withdrawal(client, coordinator, viewer, victim):
    consent = give(coordinator, victim)
    login(client, viewer)

    response = client.post(withdraw_url(consent), withdrawal_data(consent))

    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


# -- history --------------------------------------------------------------------------------------


def test_the_history_reads_consents_in_words(client, coordinator, victim):
    consent = give(coordinator, victim, purpose="partner", partner="OSCE ODIHR")
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="message",
                              note=WITHDRAWAL_NOTE)

    html = page(client, coordinator, victim)

    history = " ".join(text_of(html.split("Change history", 1)[1].split("Who has seen this identity", 1)[0]).split())
    assert ("consent recorded Consent — → purpose: sharing with a named partner; partner: OSCE ODIHR; "
            "given on: 2024-03-01; how it was obtained: signed in writing") in history
    assert ("consent withdrawn Consent purpose: sharing with a named partner; partner: OSCE ODIHR; given on: 2024-03-01 "
            "→ withdrawn on: 2024-06-01; how it was withdrawn: given by secure message") in history
    assert NOTE not in history and WITHDRAWAL_NOTE not in history


# -- the incident page ------------------------------------------------------------------------------


def test_the_incident_page_shows_what_each_protected_person_agreed_to(client, coordinator, victim):
    incident = factories.incident(coordinator)
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "victim"), person=victim)
    give(coordinator, victim, purpose="partner", partner="OSCE ODIHR")
    withdrawn = give(coordinator, victim, purpose="publication")
    consents.withdraw_consent(actor=coordinator, consent=withdrawn, withdrawn_on=dt.date(2024, 4, 1), method="written")
    login(client, coordinator)

    html = client.get(reverse("incidents:detail", args=[incident.reference])).content.decode()

    badges = re.findall(r'<span class="badge consent">(.*?)</span>', html)
    assert badges == ["consent: sharing with a named partner (OSCE ODIHR)"]
    assert NOTE not in html and NAME not in html


def test_the_section_reads_in_the_same_queries_for_one_consent_or_many(client, coordinator, documenter, victim):
    give(coordinator, victim)
    login(client, coordinator)
    address = reverse("people:person_detail", args=[victim.uuid])
    client.get(address)
    with CaptureQueriesContext(connection) as few:
        client.get(address)
    for purpose in ("publication", "litigation", "partner"):
        consent = give(documenter, victim, purpose=purpose, partner="OSCE ODIHR" if purpose == "partner" else "")
        consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="written")
    with CaptureQueriesContext(connection) as many:
        client.get(address)
    assert len(many) == len(few)
