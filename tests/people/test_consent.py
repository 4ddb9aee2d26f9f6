"""Consent (issue 10, item 4): recorded per protected person and purpose, withdrawn, audited without
its notes, and read by every outgoing document through ``Disclosure``."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from svidok.audit.models import AuditEntry
from svidok.people import consent as consents
from svidok.people.consent import Disclosure, Purpose, Shown
from svidok.people.models import Consent
from tests import factories

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
NOTE = "Signed form kept in the Kyiv office safe, witnessed by Олег Бондар"
GIVEN = dt.date(2024, 3, 1)


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name=NAME, protected=True)


def give(actor, person, purpose="litigation", **extra):
    values = {"given_on": GIVEN, "method": "written", "note": NOTE} | extra
    return consents.record_consent(actor=actor, person=person, purpose=purpose, **values)


def test_consent_is_recorded_and_audited_without_its_note(coordinator, victim):
    consent = give(coordinator, victim)
    entry = AuditEntry.objects.get(object_id=victim.public_id, action="consent")
    assert entry.changes == {"consent": [None, {"purpose": "litigation", "partner": "", "given_on": "2024-03-01",
                                                "method": "written"}]}
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM people_consent WHERE id = %s", [consent.pk])
        stored = cursor.fetchone()[0]
    assert NOTE not in stored and "Бондар" not in stored
    assert Consent.objects.get(pk=consent.pk).note == NOTE


def test_documenters_record_consent_viewers_may_not(documenter, viewer, victim):
    give(documenter, victim)
    with pytest.raises(PermissionDenied):
        give(viewer, victim, purpose="publication")


@pytest.mark.parametrize("purpose, extra, field", [
    ("partner", {}, "partner"),
    ("litigation", {"partner": "OSCE ODIHR"}, "partner"),
    ("bribery", {}, "purpose"),
    ("litigation", {"method": "telepathy"}, "method"),
    ("litigation", {"given_on": dt.date(1899, 12, 31)}, "given_on"),
    ("litigation", {"given_on": dt.date.today() + dt.timedelta(days=2)}, "given_on"),
    ("litigation", {"note": "bad\x00note"}, "note"),
])
def test_bad_consent_is_refused_with_the_field_and_nothing_written(coordinator, victim, purpose, extra, field):
    with pytest.raises(ValidationError) as error:
        give(coordinator, victim, purpose=purpose, **extra)
    assert field in error.value.message_dict
    assert not Consent.objects.exists()
    assert not AuditEntry.objects.filter(action="consent").exists()


def test_only_protected_persons_give_consent(coordinator):
    official = factories.person(coordinator, name="Олег Петренко")
    with pytest.raises(ValidationError):
        give(coordinator, official)


def test_withdrawal_is_recorded_once_and_never_before_the_consent(coordinator, victim):
    consent = give(coordinator, victim)
    with pytest.raises(ValidationError) as error:
        consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=GIVEN - dt.timedelta(days=1), method="written")
    assert "withdrawn_on" in error.value.message_dict
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="message")
    with pytest.raises(ValidationError):
        consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 7, 1), method="message")
    assert AuditEntry.objects.filter(object_id=victim.public_id, action="consent_withdraw").count() == 1


def test_disclosure_names_only_with_clearance_and_consent_in_force(coordinator, analyst, victim):
    official = factories.person(coordinator, name="Олег Петренко")
    litigation = Disclosure(actor=coordinator, purpose=Purpose.LITIGATION)
    assert litigation.decide(victim).shown is Shown.PSEUDONYM
    assert "no consent for litigation" in litigation.decide(victim).reason
    assert litigation.decide(official).shown is Shown.NAMED

    consent = give(coordinator, victim)
    assert Disclosure(actor=coordinator, purpose=Purpose.LITIGATION).label(victim) == NAME
    # Consent is not clearance: an analyst still sees the pseudonym.
    assert Disclosure(actor=analyst, purpose=Purpose.LITIGATION).label(victim) == victim.pseudonym
    # Consent for litigation is not consent for publication: publication withholds even the pseudonym.
    publication = Disclosure(actor=coordinator, purpose=Purpose.PUBLICATION)
    assert publication.decide(victim).shown is Shown.WITHHELD
    assert victim.pseudonym not in publication.label(victim)
    # Before the consent was given, and from the day it was withdrawn, it does not count.
    assert Disclosure(actor=coordinator, purpose=Purpose.LITIGATION, on=GIVEN - dt.timedelta(days=1)).decide(victim).redacted
    consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="written")
    late = Disclosure(actor=coordinator, purpose=Purpose.LITIGATION)
    assert late.decide(victim).shown is Shown.PSEUDONYM
    assert "withdrawn on 2024-06-01" in late.decide(victim).reason
    assert not Disclosure(actor=coordinator, purpose=Purpose.LITIGATION, on=dt.date(2024, 5, 31)).decide(victim).redacted


def test_partner_consent_is_for_that_partner_only(coordinator, victim):
    give(coordinator, victim, purpose="partner", partner="Office of the  Prosecutor General")
    assert not Disclosure(actor=coordinator, purpose=Purpose.PARTNER, partner="office of the prosecutor general").decide(victim).redacted
    assert Disclosure(actor=coordinator, purpose=Purpose.PARTNER, partner="OSCE ODIHR").decide(victim).redacted
    assert consents.known_partners() == ["Office of the Prosecutor General"]
    with pytest.raises(ValidationError):
        Disclosure(actor=coordinator, purpose=Purpose.PARTNER, partner=" ")


def test_internal_use_follows_clearance_alone(coordinator, analyst, victim):
    assert Disclosure(actor=coordinator, purpose=Purpose.INTERNAL).label(victim) == NAME
    assert Disclosure(actor=analyst, purpose=Purpose.INTERNAL).label(victim) == victim.pseudonym


def test_free_text_keeps_a_consented_name_and_lists_every_other(coordinator, victim):
    other = factories.person(coordinator, name="Олена Шевчук", protected=True)
    give(coordinator, victim)
    text = "Iryna Kovalenko and Olena Shevchuk were told to vote."
    disclosure = Disclosure(actor=coordinator, purpose=Purpose.LITIGATION)
    shown = disclosure.redact_text(text, where="SV-2018-000001", field_name="narrative")
    assert shown == f"Iryna Kovalenko and {other.pseudonym} were told to vote."
    assert [(r.where, r.field, r.person, r.shown) for r in disclosure.redactions] == [
        ("SV-2018-000001", "narrative", other.pseudonym, Shown.PSEUDONYM)]

    public = Disclosure(actor=coordinator, purpose=Purpose.PUBLICATION)
    published = public.redact_text(text, where="SV-2018-000001", field_name="narrative")
    assert "Kovalenko" not in published and "Shevchuk" not in published
    assert victim.pseudonym not in published and other.pseudonym not in published
    assert {r.shown for r in public.redactions} == {Shown.WITHHELD} and len(public.redactions) == 2
