"""Seeing a protected identity is a deliberate action with a reason, never a page load
(docs/permissions.md, rule 6): recorded (the audit says it happened, the sealed reveal row says
who, when and why) and listed on the person's page to those who may see identities."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.incidents.services import add_involvement
from svidok.people.models import IdentityReveal
from tests import factories
from tests.helpers import login, make_user

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
IDENTITY = {"contacts": "+380 50 123 4567", "address": "Сімферополь, вул. Садова 1", "birth_date": dt.date(1971, 5, 2)}
REASON = "Preparing the witness statement for the ECHR application"


@pytest.fixture
def witness(coordinator):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    incident = factories.incident(coordinator)
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "witness"), person=person)
    return person, incident


def page(client, person):
    return client.get(reverse("people:person_detail", args=[person.uuid])).content.decode()


def test_a_cleared_user_sees_the_pseudonym_until_revealing_with_a_reason(client, coordinator, witness):
    person, incident = witness
    login(client, coordinator)
    before = page(client, person)
    assert NAME not in before and IDENTITY["contacts"] not in before
    assert "Why do you need to see this identity?" in before
    assert NAME not in client.get(reverse("incidents:detail", args=[incident.reference])).content.decode()

    shown = client.post(reverse("people:person_reveal", args=[person.uuid]), {"reason": REASON})

    text = shown.content.decode()
    assert shown.status_code == 200
    assert NAME in text and IDENTITY["contacts"] in text and IDENTITY["address"] in text
    reveal = IdentityReveal.objects.get(person=person)
    assert (reveal.actor, reveal.reason) == (coordinator, REASON)
    entry = AuditEntry.objects.filter(object_id=person.public_id, action="reveal").get()
    assert (entry.actor, entry.changes) == (coordinator, {})
    # Reloaded: the pseudonym again, and the reveal in the list.
    after = page(client, person)
    assert NAME not in after
    assert "Who has seen this identity" in after and REASON in after


def test_the_reason_is_sealed_in_the_database(client, coordinator, witness):
    person, _incident = witness
    login(client, coordinator)
    client.post(reverse("people:person_reveal", args=[person.uuid]), {"reason": REASON})
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM people_identityreveal")
        stored = cursor.fetchone()[0]
    assert "ECHR" not in stored and stored.startswith("sv1:")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501, "zero\x00width"])
def test_a_reveal_without_a_good_reason_shows_nothing_and_records_nothing(client, coordinator, witness, reason):
    person, _incident = witness
    login(client, coordinator)
    response = client.post(reverse("people:person_reveal", args=[person.uuid]), {"reason": reason})
    assert response.status_code == 400
    assert NAME not in response.content.decode()
    assert not IdentityReveal.objects.exists()
    assert not AuditEntry.objects.filter(action="reveal").exists()


@pytest.mark.parametrize("role", [Role.DOCUMENTER, Role.ANALYST, Role.VIEWER])
def test_roles_without_clearance_cannot_reveal_nor_see_who_did(client, witness, role):
    person, _incident = witness
    login(client, make_user(role, f"u-{role}"))
    text = page(client, person)
    assert "Why do you need to see this identity?" not in text and "Who has seen this identity" not in text
    assert client.post(reverse("people:person_reveal", args=[person.uuid]), {"reason": REASON}).status_code == 403
    assert not IdentityReveal.objects.exists()


def test_the_api_reveals_only_on_purpose(client, coordinator, witness):
    person, _incident = witness
    login(client, coordinator)
    read = client.get(f"/api/v1/persons/{person.uuid}/").json()
    assert read["identity"] is None and NAME not in str(read)

    revealed = client.post(f"/api/v1/persons/{person.uuid}/reveal/", {"reason": REASON}, content_type="application/json")

    assert revealed.status_code == 200
    assert (revealed.json()["full_name"], revealed.json()["contacts"]) == (NAME, IDENTITY["contacts"])
    assert IdentityReveal.objects.filter(person=person, actor=coordinator).count() == 1
    refused = client.post(f"/api/v1/persons/{person.uuid}/reveal/", {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400 and IdentityReveal.objects.count() == 1
