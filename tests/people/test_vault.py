"""The identity vault: identities sealed at rest, found by a blind index, rotated, never in the audit log."""

import datetime as dt
import importlib
import json
import types

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from svidok.accounts import rules
from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.common import crypto
from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from svidok.names import romanizations
from svidok.people import vault
from svidok.people.consent import record_consent
from svidok.people.models import Consent, IdentityChange, Person, PersonIdentity, PersonNameKey
from svidok.people.search_index import find_persons
from svidok.people.services import add_name_variant, update_person
from tests import factories
from tests.helpers import login, make_user, second_lead

NAME = "Ірина Коваленко"
IDENTITY = {"other_names": "Ирина Коваленко-Шевчук", "birth_date": dt.date(1961, 5, 17), "contacts": "+380 67 123 4567",
            "identifiers": "passport EK 918273", "address": "вул. Садова 14, Бахчисарай", "notes": "met via lawyer Zorin"}


def identity_values(name=NAME, identity=IDENTITY) -> list[str]:
    """Every value that must never be readable in the database: each name in every spelling."""
    names = [name, *identity["other_names"].split(";")]
    spellings = {s for n in names for s in [n, *romanizations(n).values()]}
    spellings |= {w for s in spellings for w in s.replace("-", " ").split() if len(w) > 4}
    return sorted(spellings | {identity["birth_date"].isoformat(), identity["birth_date"].strftime("%d.%m.%Y"),
                               identity["contacts"], "123 4567", "EK 918273", "918273", "Садова", "Zorin"})


def raw_column(person, column="full_name") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM people_personidentity WHERE person_id = %s", [person.pk])
        return cursor.fetchone()[0]


# --- sealed at rest -----------------------------------------------------------------------------

def test_identity_values_are_sealed_in_the_database_and_open_on_load(coordinator):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    stored = {c: raw_column(person, c) for c in PersonIdentity.IDENTITY_FIELDS}
    loaded = PersonIdentity.objects.get(person=person)
    assert (all(crypto.is_sealed(v) for v in stored.values()),
            {f: getattr(loaded, f) for f in PersonIdentity.IDENTITY_FIELDS}) == (True, {"full_name": NAME, **IDENTITY})


def test_identity_moved_to_another_person_does_not_open(coordinator):
    victim = factories.person(coordinator, name=NAME, protected=True)
    other = factories.person(coordinator, name="Олег Бондар", protected=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_personidentity SET full_name = %s WHERE person_id = %s", [raw_column(victim), other.pk])
    with pytest.raises(crypto.VaultError, match="does not open"):
        PersonIdentity.objects.get(person=other)


def test_api_reads_and_writes_the_sealed_birth_date(coordinator, client):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    body = login(client, coordinator).post(f"/api/v1/persons/{person.uuid}/reveal/", {"reason": "statement"},
                                           content_type="application/json").json()
    assert (body["birth_date"], body["notes"]) == ("1961-05-17", IDENTITY["notes"])


# --- the blind index ----------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Коваленко", "Kovalenko", "iryna kovalenko", "Irina Kovalenko", "Коваленко-Шевчук", "Shevchuk"])
def test_cleared_user_finds_a_protected_person_by_name_in_any_script(coordinator, typed):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    factories.person(coordinator, name="Олег Бондар", protected=True)
    assert list(find_persons(coordinator, typed, 10)) == [person]


@pytest.mark.parametrize("role", [Role.DOCUMENTER, Role.ANALYST, Role.VIEWER])
def test_uncleared_user_never_finds_a_protected_person_by_name(coordinator, role):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    user = make_user(role, f"u-{role}")
    assert ([list(find_persons(user, q, 10)) for q in ("Kovalenko", "Коваленко")], list(find_persons(user, person.pseudonym, 10))) == ([[], []], [person])


def test_blind_index_is_exact_and_holds_digests_only(coordinator):
    person = factories.person(coordinator, name=NAME, protected=True)
    digests = list(PersonNameKey.objects.filter(person=person).values_list("kid", "digest"))
    assert ({kid for kid, _d in digests}, all(len(d) == 64 for _k, d in digests), list(find_persons(coordinator, "Koval", 10))) == (
        {crypto.keyring().current.kid}, True, [])


def test_person_list_search_finds_protected_for_coordinator_only(coordinator, viewer, client):
    person = factories.person(coordinator, name=NAME, protected=True)
    shown = login(client, coordinator).get("/people/persons/", {"q": "Kovalenko"}).content.decode()
    client.logout()
    hidden = login(client, viewer).get("/people/persons/", {"q": "Kovalenko"}).content.decode()
    assert (person.pseudonym in shown, person.pseudonym in hidden) == (True, False)


def test_unprotecting_drops_the_blind_index_and_protecting_builds_it(coordinator):
    person = factories.person(coordinator, name=NAME)
    before = PersonNameKey.objects.filter(person=person).count()
    update_person(actor=coordinator, person=person, fields={"protected": True})
    protected = PersonNameKey.objects.filter(person=person).count()
    update_person(actor=coordinator, person=person, fields={"protected": False})
    assert (before, protected > 0, PersonNameKey.objects.filter(person=person).count()) == (0, True, 0)


# --- rotation -----------------------------------------------------------------------------------

@pytest.fixture
def own_key_file(tmp_path, settings, monkeypatch):
    """A key file of this test's own holding the session's key (the rows of this test are sealed with it)."""
    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    ring = crypto.keyring()
    settings.SVIDOK_IDENTITY_KEY_FILE = tmp_path / "keys" / "identity.key"
    crypto.write_key_file(list(ring.keys), replace=False)
    return settings.SVIDOK_IDENTITY_KEY_FILE


def test_rotate_reseals_everything_and_the_old_key_is_no_longer_needed(coordinator, own_key_file):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    consent = record_consent(actor=coordinator, person=person, purpose="litigation", given_on=dt.date(2024, 3, 1),
                             method="written", note="form in the office safe")
    old = crypto.keyring().current
    call_command("keys", "rotate", stdout=open("/dev/null", "w"))
    ring = crypto.keyring()
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM people_consent WHERE id = %s", [consent.pk])
        assert cursor.fetchone()[0].split(":")[1] == ring.current.kid
    assert Consent.objects.get(pk=consent.pk).note == "form in the office safe"
    loaded = PersonIdentity.objects.get(person=person)
    assert ([k.kid for k in ring.keys] != [old.kid], len(ring.keys), loaded.full_name, loaded.birth_date,
            raw_column(person).split(":")[1], set(PersonNameKey.objects.values_list("kid", flat=True)),
            json.loads(IdentityChange.objects.get(person=person).values)["contacts"][1],
            list(find_persons(coordinator, "Kovalenko", 10))) == (
        True, 1, NAME, IDENTITY["birth_date"], ring.current.kid, {ring.current.kid}, IDENTITY["contacts"], [person])


def test_rotate_failing_halfway_leaves_the_old_state_usable(coordinator, own_key_file, monkeypatch):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    factories.person(coordinator, name="Олег Бондар", protected=True)
    old = crypto.keyring().current
    real_seal, calls = crypto.seal, []

    def failing_seal(*args, **kwargs):
        calls.append(1)
        if len(calls) > 5:
            raise OSError("disk full")
        return real_seal(*args, **kwargs)

    monkeypatch.setattr(crypto, "seal", failing_seal)
    with pytest.raises(OSError):
        call_command("keys", "rotate")
    monkeypatch.setattr(crypto, "seal", real_seal)
    assert (crypto.keyring().current.kid, raw_column(person).split(":")[1], PersonIdentity.objects.get(person=person).full_name,
            list(find_persons(coordinator, "Kovalenko", 10))) == (old.kid, old.kid, NAME, [person])


def test_rotate_refuses_a_key_from_the_environment(monkeypatch):
    monkeypatch.setenv(crypto.ENV_VAR, crypto.Key.generate().encoded())
    with pytest.raises(CommandError, match="comes from SVIDOK_IDENTITY_KEY"):
        call_command("keys", "rotate")


def test_keys_init_refuses_a_new_key_over_sealed_identities(coordinator, tmp_path, settings, monkeypatch):
    factories.person(coordinator, name=NAME, protected=True)
    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    settings.SVIDOK_IDENTITY_KEY_FILE = tmp_path / "keys" / "identity.key"
    with pytest.raises(CommandError, match="restore the key file"):
        call_command("keys", "init")
    assert not settings.SVIDOK_IDENTITY_KEY_FILE.exists()


def test_keys_init_writes_a_key_when_there_is_none(db, tmp_path, settings, monkeypatch):
    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    settings.SVIDOK_IDENTITY_KEY_FILE = tmp_path / "keys" / "identity.key"
    call_command("keys", "init", stdout=open("/dev/null", "w"))
    call_command("keys", "init", "--if-missing")
    assert (oct(settings.SVIDOK_IDENTITY_KEY_FILE.stat().st_mode & 0o777), len(crypto.keyring().keys)) == ("0o600", 1)


# --- the data migration -------------------------------------------------------------------------

def test_migration_seals_plaintext_rows(coordinator):
    person = factories.person(coordinator, name=NAME, protected=True)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_personidentity SET full_name = %s, contacts = %s, birth_date = %s WHERE person_id = %s",
                       [NAME, IDENTITY["contacts"], "1961-05-17", person.pk])
    migration = importlib.import_module("svidok.people.migrations.0007_identity_vault")
    migration.seal_plaintext(None, types.SimpleNamespace(connection=connection))
    loaded = PersonIdentity.objects.get(person=person)
    assert ([crypto.is_sealed(raw_column(person, c)) for c in ("full_name", "contacts", "birth_date")],
            loaded.full_name, loaded.contacts, loaded.birth_date) == ([True] * 3, NAME, IDENTITY["contacts"], IDENTITY["birth_date"])


# --- history ------------------------------------------------------------------------------------

def recorded_openly_then_protected(coordinator, *, seen=None):
    """The order the finding named: recorded unprotected with name, contacts and address, named in
    an incident, given a name variant, protected afterwards. ``seen(when)`` looks before protecting."""
    person = factories.person(coordinator, name=NAME, identity=IDENTITY)
    add_name_variant(actor=coordinator, person=person, name="Iryna Kovalenko", lang="uk")
    incident = factories.incident(coordinator)
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "witness"), person=person)
    update_person(actor=coordinator, person=person, identity={"contacts": "+380 50 765 4321"})
    if seen:
        seen()
    update_person(actor=coordinator, person=person, fields={"protected": True})
    person.refresh_from_db()
    return person, incident


def test_audit_never_holds_identity_values_whatever_the_order(coordinator):
    person, _incident = recorded_openly_then_protected(coordinator)
    protected_first = factories.person(coordinator, name="Олег Бондар", protected=True, identity={"address": "вул. Лісова 3"})
    update_person(actor=coordinator, person=protected_first, fields={"protected": False})
    entries = "\n".join(e.payload + e.object_repr for e in AuditEntry.objects.all())
    found = [v for v in [*identity_values(), "765 4321", "Bondar", "Бондар", "Лісова"] if v.lower() in entries.lower()]
    created = AuditEntry.objects.filter(object_id=person.public_id, action="create").get().changes
    assert (found, created["identity"], sorted(created)) == (
        [], [None, "[protected]"], ["description", "gender", "identity", "protected", "pseudonym"])


@pytest.mark.parametrize("role", sorted(rules.ACTIONS["person.view"]))
def test_person_page_history_shows_no_identity_value_to_any_role(coordinator, client, role):
    person, incident = recorded_openly_then_protected(coordinator)
    user = coordinator if role == Role.COORDINATOR else make_user(role, f"u-{role}")
    login(client, user)
    pages = [client.get(f"/people/persons/{person.uuid}/"), client.get(f"/incidents/{incident.reference}/")]
    history = "".join(p.content.decode().split("Change history", 1)[-1] for p in pages)
    assert ([p.status_code for p in pages], [v for v in identity_values() if v in history], "Identity" in history) == ([200, 200], [], True)


def test_counsel_sees_neither_the_person_nor_an_incident_outside_its_cases(coordinator, client):
    person, incident = recorded_openly_then_protected(coordinator)
    login(client, make_user(Role.COUNSEL, "u-counsel"))
    assert [client.get(f"/people/persons/{person.uuid}/").status_code,
            client.get(f"/incidents/{incident.reference}/").status_code] == [404, 404]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.ANALYST])
def test_audit_proof_api_shows_no_identity_value(coordinator, client, role):
    person, _incident = recorded_openly_then_protected(coordinator)
    user = coordinator if role == Role.COORDINATOR else make_user(role, f"u-{role}")
    login(client, user)
    bodies = [client.get(f"/api/v1/audit/proof/{e.pk}/").content for e in AuditEntry.objects.order_by("pk")]
    decoded = "".join(json.dumps(json.loads(b), ensure_ascii=False) for b in bodies)
    import base64 as b64
    entries = "".join(b64.b64decode(json.loads(b).get("entry", "")).decode() for b in bodies if json.loads(b).get("entry"))
    assert [v for v in identity_values() if v in decoded + entries] == []


def test_identity_history_is_sealed_and_shown_to_cleared_roles_only(coordinator, documenter, client):
    person, _incident = recorded_openly_then_protected(coordinator)
    # values_list gives what is stored: the sealed text.
    stored = [v for pair in IdentityChange.objects.filter(person=person).values_list("fields", "values") for v in pair]
    login(client, coordinator)
    cleared = client.get(f"/people/persons/{person.uuid}/").content.decode()
    client.logout()
    login(client, documenter)
    uncleared = client.get(f"/people/persons/{person.uuid}/").content.decode()
    assert (all(crypto.is_sealed(v) for v in stored), len(stored), "Identity history" in cleared, "Identity history" in uncleared,
            "contacts" in cleared.split("Identity history")[1]) == (True, 4, True, False, True)


# --- a raw dump of the whole database -----------------------------------------------------------

def database_dump() -> str:
    """Every table's rows as text: SQLite's file image and its SQL dump; PostgreSQL's rows as JSON."""
    if connection.vendor == "sqlite":
        raw = connection.connection
        image = raw.serialize().decode("utf-8", errors="replace")
        return image + "\n".join(raw.iterdump())
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [t for (t,) in cursor.fetchall()]
        assert "people_personidentity" in tables
        parts = []
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')
            parts.extend(r for (r,) in cursor.fetchall())
        return "\n".join(parts)


@pytest.mark.django_db(transaction=True)
def test_raw_database_dump_holds_no_identity_value(vocabularies):
    coordinator = make_user(Role.COORDINATOR)
    # While the person is not protected, their name is public (a name variant, the display name):
    # the dump shows it, so the dump below really is of the data. Deleted rows are zeroed on SQLite
    # (secure_delete); the contacts and address are sealed from the start.
    openly = []
    recorded_openly_then_protected(coordinator, seen=lambda: openly.append([v for v in (NAME, IDENTITY["contacts"]) if v in database_dump()]))
    factories.person(coordinator, name="Олег Бондар", protected=True, identity=IDENTITY)
    dump = database_dump()
    assert openly == [[NAME]]
    assert ([v for v in identity_values() if v.lower() in dump.lower()], "Mykola" in dump) == ([], False)
    # The dump is of the real data: an unprotected person's public name is in it.
    factories.person(coordinator, name="Mykola Petrenko")
    assert "Mykola Petrenko" in database_dump()


def test_start_up_check_warns_of_a_missing_key(tmp_path, settings, monkeypatch):
    from svidok.people.apps import identity_key_check

    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    present = identity_key_check(None)
    settings.SVIDOK_IDENTITY_KEY_FILE = tmp_path / "none" / "identity.key"
    assert (present, [w.id for w in identity_key_check(None)]) == ([], ["people.W001"])


def test_imported_identities_are_sealed_indexed_and_kept_out_of_the_audit(coordinator, tmp_path):
    items = [{"title": "Teacher threatened", "type": "dismissal", "date_start": "2018-03-20",
              "involvements": [{"role": "victim", "name": NAME}, {"role": "lawyer", "name": "Emil Kurbedinov"}]}]
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    call_command("import", str(path), "--no-progress", stdout=open("/dev/null", "w"))
    victim = Person.objects.get(protected=True)
    payloads = "".join(AuditEntry.objects.values_list("payload", flat=True))
    assert (crypto.is_sealed(raw_column(victim)), PersonIdentity.objects.get(person=victim).full_name,
            list(find_persons(coordinator, "Kovalenko", 10)), [n for n in (NAME, "Коваленко", "Kurbedinov") if n in payloads]) == (
        True, NAME, [victim], [])


@pytest.mark.parametrize(("role", "found"), [(Role.ADMIN, 1), (Role.COORDINATOR, 1), (Role.DOCUMENTER, 0), (Role.ANALYST, 0), (Role.VIEWER, 0)])
def test_search_api_finds_a_protected_person_by_name_for_cleared_roles_only(coordinator, client, role, found):
    person = factories.person(coordinator, name=NAME, protected=True)
    user = coordinator if role == Role.COORDINATOR else make_user(role, f"u-{role}")
    body = login(client, user).get("/api/v1/search/", {"q": "Iryna Kovalenko"}).json()
    assert [p["uuid"] for p in body["persons"]] == [str(person.uuid)] * found


@pytest.mark.django_db(transaction=True)
def test_upgrade_migration_seals_the_plaintext_identities_of_an_older_database():
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("people", "0006_sanctions_models_moved")], [("people", "0008_identity_vault_vacuum")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        person = old.get_model("people", "Person").objects.create(display_name="Person 7QX2M", pseudonym="Person 7QX2M", protected=True)
        old.get_model("people", "PersonIdentity").objects.create(
            person=person, full_name=NAME, contacts=IDENTITY["contacts"], address=IDENTITY["address"], birth_date=IDENTITY["birth_date"])
        plaintext = raw_column(person)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    loaded = PersonIdentity.objects.get(person_id=person.pk)
    assert (plaintext, [crypto.is_sealed(raw_column(person, c)) for c in ("full_name", "contacts", "address", "birth_date")],
            [loaded.full_name, loaded.contacts, loaded.address, loaded.birth_date],
            list(Person.objects.filter(pk__in=vault.find_protected("Iryna Kovalenko")).values_list("pk", flat=True))) == (
        NAME, [True] * 4, [NAME, IDENTITY["contacts"], IDENTITY["address"], IDENTITY["birth_date"]], [person.pk])


def test_rebuilding_the_search_index_rebuilds_the_blind_index(coordinator):
    person = factories.person(coordinator, name=NAME, protected=True, identity=IDENTITY)
    factories.person(coordinator, name="Mykola Petrenko")
    PersonNameKey.objects.all().delete()
    call_command("rebuild_search_index", stdout=open("/dev/null", "w"))
    assert (list(find_persons(coordinator, "Shevchuk", 10)), set(PersonNameKey.objects.values_list("person_id", flat=True))) == (
        [person], {person.pk})


def test_protected_names_are_opened_for_protected_persons_only(coordinator):
    person = factories.person(coordinator, name=NAME, protected=True, identity={"other_names": "Ирина Коваленко-Шевчук; Ira K"})
    factories.person(coordinator, name="Mykola Petrenko")
    assert vault.protected_names() == {person.pk: [NAME, "Ирина Коваленко-Шевчук", "Ira K"]}


@pytest.mark.parametrize("path", ["page", "api"])
def test_a_missing_key_answers_503_with_a_sentence_not_a_server_error(coordinator, client, tmp_path, settings, monkeypatch, path):
    # Identities are sealed for every person; an unprotected person's edit form opens them.
    person = factories.person(coordinator, name=NAME, protected=path == "api", identity={"contacts": "+380 50 123 4567"})
    login(client, coordinator)
    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    settings.SVIDOK_IDENTITY_KEY_FILE = tmp_path / "gone" / "identity.key"
    if path == "page":
        response = client.get(reverse("people:person_edit", args=[person.uuid]))
        text = response.content.decode()
    else:
        response = client.post(f"/api/v1/persons/{person.uuid}/reveal/", {"reason": "checking the statement"},
                               content_type="application/json")
        text = response.json()["detail"]
    assert response.status_code == 503
    assert "identity key is missing" in text
    assert "+380" not in text and str(tmp_path) not in text
