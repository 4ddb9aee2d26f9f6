"""Vocabulary editing on the web (issue 13, item 5): coordinators add, rename, deactivate and reorder
terms without the Django admin; every change audited, the version raised; no term is deleted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.incidents import services
from svidok.incidents.models import Term, Vocabulary
from tests import factories
from tests.helpers import login, make_user

pytestmark = pytest.mark.django_db

URL = "/incidents/vocabularies/incident_type/"


def _types():
    return Vocabulary.objects.get(code="incident_type")


def _codes():
    return list(Term.objects.filter(vocabulary__code="incident_type").order_by("order", "code").values_list("code", flat=True))


# --- services ------------------------------------------------------------------------------------------


def test_add_term_makes_a_code_puts_it_last_and_audits(coordinator):
    version = _types().version

    term = services.add_term(actor=coordinator, vocabulary=_types(), labels={"en": "Forced  passportization", "uk": "Примусова паспортизація"})

    assert (term.code, term.label_en, term.label_uk, term.active, _codes()[-1]) == (
        "forced_passportization", "Forced passportization", "Примусова паспортизація", True, "forced_passportization")
    assert _types().version == version + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.object_type, entry.object_id) == ("create", "incidents.term", "incident_type:forced_passportization")


def test_add_term_twice_with_one_english_name_is_refused(coordinator):
    services.add_term(actor=coordinator, vocabulary=_types(), labels={"en": "Forced passportization"})

    with pytest.raises(ValidationError) as refused:
        services.add_term(actor=coordinator, vocabulary=_types(), labels={"en": "forced passportization"})

    assert refused.value.message_dict == {"label_en": ["Another term of this vocabulary is already called “forced passportization”."]}


def test_add_term_needs_an_english_name(coordinator):
    with pytest.raises(ValidationError) as refused:
        services.add_term(actor=coordinator, vocabulary=_types(), labels={"uk": "Щось"})

    assert refused.value.message_dict == {"label_en": ["Give the term's name in English: the other languages fall back to it."]}


@pytest.mark.parametrize("role", ["documenter", "analyst", "viewer"])
def test_other_roles_may_not_edit_vocabularies(role):
    user = make_user(role)
    term = factories.term("incident_type", "dismissal")

    for call in (lambda: services.add_term(actor=user, vocabulary=_types(), labels={"en": "New"}),
                 lambda: services.rename_term(actor=user, term_obj=term, labels={"en": "Renamed"}),
                 lambda: services.set_term_active(actor=user, term_obj=term, active=False),
                 lambda: services.move_term(actor=user, term_obj=term, by=1)):
        with pytest.raises(PermissionDenied):
            call()
    assert Term.objects.get(pk=term.pk).label_en != "Renamed"


def test_rename_keeps_the_code_and_the_records(coordinator):
    term = factories.term("incident_type", "dismissal")
    incident = factories.incident(coordinator)

    services.rename_term(actor=coordinator, term_obj=term, labels={"en": "Dismissal from work", "uk": "Звільнення з роботи",
                                                                  "ru": "Увольнение", "crh": "İşten çıqarıluv"})

    incident.refresh_from_db()
    assert (incident.type.code, incident.type.label_en, incident.type.label_crh) == ("dismissal", "Dismissal from work", "İşten çıqarıluv")


def test_deactivate_keeps_the_term_on_records_and_stops_offering_it(coordinator):
    term = factories.term("incident_type", "dismissal")
    incident = factories.incident(coordinator)

    services.set_term_active(actor=coordinator, term_obj=term, active=False)

    from svidok.incidents.forms import terms
    assert (Term.objects.filter(pk=term.pk).exists(), incident.type_id, terms("incident_type").filter(pk=term.pk).exists()) == (
        True, term.pk, False)
    assert AuditEntry.objects.latest("id").changes["active"] == [True, False]


def test_move_term_up_renumbers_and_audits_the_order(coordinator):
    before = _codes()
    second = Term.objects.get(vocabulary__code="incident_type", code=before[1])

    after = services.move_term(actor=coordinator, term_obj=second, by=-1)

    assert after == [before[1], before[0], *before[2:]] == _codes()
    assert list(Term.objects.filter(vocabulary__code="incident_type").order_by("order").values_list("order", flat=True)) == list(
        range(1, len(before) + 1))
    entry = AuditEntry.objects.latest("id")
    assert (entry.object_type, entry.changes["order"]) == ("incidents.vocabulary", [before, after])


def test_move_the_first_term_up_changes_nothing(coordinator):
    first = Term.objects.get(vocabulary__code="incident_type", code=_codes()[0])
    entries = AuditEntry.objects.count()

    services.move_term(actor=coordinator, term_obj=first, by=-1)

    assert AuditEntry.objects.count() == entries


# --- pages ---------------------------------------------------------------------------------------------


def test_vocabulary_list_for_a_viewer_has_no_edit_forms(client):
    login(client, make_user("viewer"))

    listing = client.get("/incidents/vocabularies/").content.decode()
    detail = client.get(URL).content.decode()

    assert ["Incident types" in listing, "Legal qualification" in listing] == [True, True]
    assert ["Add a term" in detail, "Stop offering" in detail, "Dismissal" in detail] == [False, False, True]


def test_coordinator_adds_a_term_on_the_page(client, coordinator):
    login(client, coordinator)

    response = client.post(URL + "terms/new/", {"new-label_en": "Forced passportization", "new-label_uk": "Примусова паспортизація",
                                                "new-label_ru": "", "new-label_crh": "", "new-description": ""}, follow=True)

    assert "Term “Forced passportization” added." in response.content.decode()
    assert _codes()[-1] == "forced_passportization"


def test_add_term_page_shows_every_error_at_once(client, coordinator):
    login(client, coordinator)
    long = "x" * 201

    response = client.post(URL + "terms/new/", {"new-label_en": "", "new-label_uk": long, "new-label_ru": long, "new-label_crh": ""})

    html = response.content.decode()
    assert response.status_code == 400
    # Each error next to its field and once more in the summary at the top of the form.
    assert [html.count("Ensure this value has at most 200 characters (it has 201)."),
            html.count("Give the term&#x27;s name in English: the other languages fall back to it.")] == [4, 2]


def test_coordinator_renames_deactivates_and_moves_on_the_page(client, coordinator):
    login(client, coordinator)
    codes = _codes()
    index = 1

    client.post(URL + "terms/change/", {"term": codes[index], "change": "rename", f"t{index}-label_en": "Renamed term",
                                        f"t{index}-label_uk": "Перейменований"})
    client.post(URL + "terms/change/", {"term": codes[index], "change": "deactivate"})
    response = client.post(URL + "terms/change/", {"term": codes[index], "change": "up"})

    term = Term.objects.get(vocabulary__code="incident_type", code=codes[index])
    assert (term.label_en, term.label_uk, term.active, _codes()[0]) == ("Renamed term", "Перейменований", False, codes[index])
    assert response["Location"] == f"{URL}#term-{codes[index]}"


def test_rename_with_an_empty_english_name_shows_the_form_again(client, coordinator):
    login(client, coordinator)
    code = _codes()[0]

    response = client.post(URL + "terms/change/", {"term": code, "change": "rename", "t0-label_en": " "})

    assert response.status_code == 400
    assert "Give the term&#x27;s name in English" in response.content.decode()
    assert Term.objects.get(vocabulary__code="incident_type", code=code).label_en != ""


@pytest.mark.parametrize("role", ["documenter", "analyst", "viewer"])
def test_change_pages_are_403_for_other_roles(client, role):
    login(client, make_user(role))

    assert (client.post(URL + "terms/new/", {"new-label_en": "X"}).status_code,
            client.post(URL + "terms/change/", {"term": _codes()[0], "change": "deactivate"}).status_code) == (403, 403)


def test_unknown_vocabulary_and_term_are_404(client, coordinator):
    login(client, coordinator)

    assert (client.get("/incidents/vocabularies/nothing/").status_code,
            client.post(URL + "terms/change/", {"term": "nothing", "change": "up"}).status_code) == (404, 404)
