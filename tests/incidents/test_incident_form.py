"""The incident form: its parts, rows added and edited in place, every error at once, the draft."""

import re

import pytest

from svidok.audit.models import AuditEntry
from svidok.incidents import services
from svidok.incidents.forms import IncidentForm
from svidok.incidents.models import Incident, IncidentDraft, Source
from svidok.people.models import Person
from tests import factories
from tests.helpers import login
from tests.incidents.test_views_form import incident_data, management, row

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_new_form_starts_with_one_blank_row_of_each(client, documenter):
    login(client, documenter)

    response = client.get("/incidents/new/")

    assert response.status_code == 200
    assert (response.context["involvement_rows"].total_form_count(), response.context["source_rows"].total_form_count()) == (1, 1)
    page = response.content.decode()
    for part in ("What happened", "When and where", "Who was involved", "Sources and evidence", "Qualification"):
        assert page.count(f"<legend>{part}</legend>") == 1


def test_every_error_of_every_part_shown_at_once_with_labels(client, documenter):
    login(client, documenter)
    data = incident_data(title="", date_start="2018-03-20", date_end="2018-03-01", **management("inv", 2), **management("src", 1),
                         **row("inv", 0, name="Ayshe Seitova"),
                         **row("inv", 1, role="perpetrator"),
                         **row("src", 0, title="A report", published_on="2999-01-01"))

    response = client.post("/incidents/new/", data)

    assert response.status_code == 400
    summary = [(item["where"], item["message"], item["anchor"]) for item in response.context["error_summary"]]
    assert summary == [
        ("Title", "This field is required.", "id_title"),
        ("Until", "The end date (March 1, 2018) is before the start date (March 20, 2018).", "id_date_end"),
        ("Involvement 1: Role", "A role is required.", "id_inv-0-role"),
        ("Involvement 2: Name", "Enter a name, or pick an existing person or organization.", "id_inv-1-name"),
        ("Source 1: Source type", "A source type is required.", "id_src-0-kind"),
        ("Source 1: Published on", "Date 2999-01-01 is in the future.", "id_src-0-published_on"),
    ]
    page = response.content.decode()
    assert all(f'href="#{anchor}"' in page for _where, _message, anchor in summary)
    assert [m for _w, message, _a in summary for m in CODE.findall(message)] == []
    assert (Incident.objects.count(), Person.objects.count(), Source.objects.count()) == (0, 0, 0)


def test_every_error_shown_at_once_in_ukrainian(client, documenter):
    login(client, documenter)
    data = incident_data(title="", date_end="2018-03-01", **row("inv", 0, name="Айше Сеітова"))

    response = client.post("/incidents/new/", data, headers={"accept-language": "uk"})

    assert response.status_code == 400
    assert [(item["where"], item["message"]) for item in response.context["error_summary"]] == [
        ("Назва", "Це поле обов'язкове."),
        ("До", "Дата завершення (01 березня 2018 р.) раніша за дату початку (20 березня 2018 р.)."),
        ("Учасник 1: Роль", "Потрібна роль."),
    ]


def test_add_another_person_without_javascript_adds_a_row_and_keeps_what_was_typed(client, documenter):
    login(client, documenter)
    data = incident_data(title="Teachers dismissed", **management("inv", 1), **management("src", 1),
                         **row("inv", 0, name="Ayshe Seitova", role="victim"), add_involvement="1")

    response = client.post("/incidents/new/", data)

    assert response.status_code == 200
    rows = response.context["involvement_rows"]
    assert rows.total_form_count() == 2
    assert (rows[0]["name"].value(), rows[0]["role"].value(), rows[1]["name"].value()) == ("Ayshe Seitova", "victim", None)
    assert response.context["form"]["title"].value() == "Teachers dismissed"
    assert response.context["error_summary"] == []
    assert 'name="inv-1-name"' in response.content.decode()
    assert Incident.objects.count() == 0


def test_add_another_source_without_javascript_adds_a_source_row(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/new/", incident_data(**management("inv", 1), **management("src", 1), add_source="1"))

    assert (response.context["involvement_rows"].total_form_count(), response.context["source_rows"].total_form_count()) == (1, 2)


def test_blank_row_for_htmx_has_the_next_number_and_raises_the_count(client, documenter):
    login(client, documenter)

    response = client.get("/incidents/form/rows/involvement/", {"inv-TOTAL_FORMS": "2"}, headers={"hx-request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="inv-2-name"' in page
    assert "<legend>Involvement 3</legend>" in page
    assert '<input type="hidden" name="inv-TOTAL_FORMS" value="3" id="id_inv-TOTAL_FORMS" hx-swap-oob="true">' in page


def test_blank_row_refused_to_viewer_and_unknown_list(client, viewer, documenter):
    login(client, viewer)
    assert client.get("/incidents/form/rows/source/", {"src-TOTAL_FORMS": "1"}).status_code == 403
    login(client, documenter)
    assert client.get("/incidents/form/rows/other/", {"src-TOTAL_FORMS": "1"}).status_code == 404


def test_create_with_a_row_added_saves_both_rows(client, documenter):
    login(client, documenter)
    data = incident_data(**management("inv", 2), **management("src", 1),
                         **row("inv", 0, name="Ayshe Seitova", role="victim"),
                         **row("inv", 1, name="Election commission of Dzhankoi", party_kind="organization", role="perpetrator"))

    response = client.post("/incidents/new/", data)

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert sorted(i.role.code for i in incident.involvements.all()) == ["perpetrator", "victim"]


def _edit_data(incident, involvement, person, link, **changes):
    own = {k: "" if v is None else str(v) for k, v in IncidentForm.initial_for(incident).items() if k != "legal_tags"}
    data = incident_data(**own, **management("inv", 1, initial=1), **management("src", 1, initial=1),
                         **row("inv", 0, row=str(involvement.uuid), existing=person.display_name, picked=str(person.uuid),
                               role="witness", details=""),
                         **row("src", 0, row=str(link.pk), note=link.note))
    return data | changes


@pytest.fixture
def edited(documenter, draft):
    person = factories.person(documenter, name="Witness Person")
    involvement = services.add_involvement(actor=documenter, incident=draft, person=person,
                                           role=factories.term("involvement_role", "witness"))
    link = services.link_source(actor=documenter, incident=draft, source=factories.source(documenter), note="Names the school")
    return draft, involvement, person, link


def test_edit_page_lists_existing_rows_editable(client, documenter, edited):
    draft, involvement, person, link = edited
    login(client, documenter)

    response = client.get(f"/incidents/{draft.reference}/edit/")

    rows = response.context["involvement_rows"]
    assert (rows.initial_form_count(), rows.total_form_count()) == (1, 1)
    assert (rows[0]["existing"].value(), rows[0]["role"].value()) == ("Witness Person", "witness")
    assert response.context["source_rows"][0]["note"].value() == "Names the school"


def test_edit_changes_an_existing_involvement_and_source_note_in_one_save(client, documenter, edited):
    draft, involvement, person, link = edited
    login(client, documenter)
    data = _edit_data(draft, involvement, person, link, **{"inv-0-role": "victim", "inv-0-details": "Teacher at school No. 5",
                                                          "src-0-note": "Names the school and the director"})

    response = client.post(f"/incidents/{draft.reference}/edit/", data)

    assert response.status_code == 302
    involvement.refresh_from_db()
    link.refresh_from_db()
    assert (involvement.role.code, involvement.details, involvement.person_id) == ("victim", "Teacher at school No. 5", person.pk)
    assert link.note == "Names the school and the director"
    updates = AuditEntry.objects.filter(object_type="incidents.incident", action="update").order_by("id")
    assert [sorted(e.changes) for e in updates] == [["involvement"], ["source"]]


def test_edit_unchanged_rows_write_nothing(client, documenter, edited):
    draft, involvement, person, link = edited
    login(client, documenter)
    before = AuditEntry.objects.count()

    response = client.post(f"/incidents/{draft.reference}/edit/", _edit_data(draft, involvement, person, link))

    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


def test_edit_removes_an_existing_source_in_place(client, documenter, edited):
    draft, involvement, person, link = edited
    login(client, documenter)

    response = client.post(f"/incidents/{draft.reference}/edit/", _edit_data(draft, involvement, person, link, **{"src-0-DELETE": "on"}))

    assert response.status_code == 302
    assert draft.source_links.count() == 0
    assert draft.involvements.count() == 1


# --- the draft ---------------------------------------------------------------------------------------


def test_draft_kept_sealed_and_restored_for_its_author_only(client, documenter, other_documenter):
    login(client, documenter)
    data = incident_data(title="Ayshe Seitova threatened", **management("inv", 1), **row("inv", 0, name="Ayshe Seitova"),
                         draft_token="page-1")

    response = client.post("/incidents/new/draft/", data, headers={"hx-request": "true"})

    assert response.status_code == 200
    assert "Draft saved at" in response.content.decode()
    stored = IncidentDraft.objects.get()
    assert "Seitova" not in stored.content and stored.content.startswith("sv1:")
    restored = client.get("/incidents/new/")
    assert restored.context["form"]["title"].value() == "Ayshe Seitova threatened"
    assert restored.context["involvement_rows"][0]["name"].value() == "Ayshe Seitova"
    assert restored.context["error_summary"] == []
    assert "Your unsaved draft was restored." in restored.content.decode()
    login(client, other_documenter)
    assert client.get("/incidents/new/").context["form"]["title"].value() is None


def test_draft_discarded_and_a_late_autosave_of_a_saved_form_dropped(client, documenter):
    login(client, documenter)
    data = incident_data(**management("inv", 1), **management("src", 1), draft_token="page-1")
    client.post("/incidents/new/draft/", data)

    saved = client.post("/incidents/new/", data)
    late = client.post("/incidents/new/draft/", data)

    assert (saved.status_code, late.status_code) == (302, 204)
    assert client.get("/incidents/new/").context["form"]["title"].value() is None
    client.post("/incidents/new/draft/", data | {"draft_token": "page-2"})
    discarded = client.post("/incidents/new/draft/discard/", {"draft_token": "page-2"})
    assert discarded.status_code == 302
    assert client.get("/incidents/new/").context["form"]["title"].value() is None


def test_draft_of_an_edit_is_its_own_and_refused_to_who_may_not_edit(client, documenter, other_documenter, draft):
    login(client, documenter)
    client.post(f"/incidents/{draft.reference}/edit/draft/", incident_data(title="Changed title", draft_token="p"))

    assert client.get(f"/incidents/{draft.reference}/edit/").context["form"]["title"].value() == "Changed title"
    assert client.get("/incidents/new/").context["form"]["title"].value() is None
    login(client, other_documenter)
    assert client.post(f"/incidents/{draft.reference}/edit/draft/", incident_data(draft_token="p")).status_code == 404


# --- the person picker ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "listed"), [("Aksionov Serhii", "AKSYONOV"), ("Konstantinov Vladimir", "KONSTANTINOV")])
def test_person_picker_of_a_row_suggests_reference_list_entries_surname_first(client, documenter, typed, listed):
    from svidok.sanctions.demo import load_demo_list

    load_demo_list()
    login(client, documenter)

    response = client.post("/people/persons/suggest/", {"prefix": "inv-0", "pick": "/incidents/persons/pick/",
                                                         "inv-0-name": typed, "inv-0-party_kind": "person"})

    entries = [e.caption.upper() for e in response.context["box"].list_entries]
    assert response.status_code == 200
    assert listed in entries[0]
    page = response.content.decode()
    assert "reference list" in page and not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", page)


def test_edit_row_of_an_involvement_removed_meanwhile_is_an_error_not_dropped(client, documenter, edited):
    draft, involvement, person, link = edited
    data = _edit_data(draft, involvement, person, link, **{"inv-0-details": "Teacher at school No. 5"})
    services.remove_involvement(actor=documenter, involvement=involvement)
    login(client, documenter)

    response = client.post(f"/incidents/{draft.reference}/edit/", data)

    assert response.status_code == 400
    assert [item["where"] for item in response.context["error_summary"]] == ["Involvement 1"]
    assert response.context["error_summary"][0]["message"].startswith("This row is no longer part of the incident")


def test_history_of_a_changed_row_reads_in_words(client, documenter, edited):
    from tests.common.test_human_wording import violations, visible_text

    draft, involvement, person, link = edited
    login(client, documenter)
    client.post(f"/incidents/{draft.reference}/edit/", _edit_data(
        draft, involvement, person, link, **{"inv-0-role": "victim", "src-0-note": "Names the director"}))

    text = visible_text(client.get(f"/incidents/{draft.reference}/").content.decode())

    history = text.split("Change history", 1)[1]
    assert violations(history) == []
    assert "Witness Person" in history and "Victim" in history and "Names the director" in history


# --- the same rules on other forms ----------------------------------------------------------------------


def test_source_form_shows_the_missing_title_and_the_dates_in_one_submit(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/sources/new/", {"title": "", "kind": "article", "published_on": "2018-03-20",
                                                       "accessed_on": "2018-03-01", "reliability": "F", "credibility": "6"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "title": ["This field is required."],
        "accessed_on": ["Accessed on March 1, 2018, before it was published (March 20, 2018)."],
    }
    assert '<a href="#id_accessed_on">Accessed on: Accessed on March 1, 2018, before it was published (March 20, 2018).</a>' in (
        response.content.decode())
    assert Source.objects.count() == 0


def test_new_form_reads_in_ukrainian(client, documenter):
    login(client, documenter)

    page = client.get("/incidents/new/", headers={"accept-language": "uk"}).content.decode()

    for ukrainian in ("Коли і де", "Хто був причетний", "Джерела та докази", "Кваліфікація", "Додати ще особу",
                      "Додати ще джерело", "Прибрати цей рядок", "Частини форми"):
        assert ukrainian in page
    for english in ("When and where", "Add another", "Remove this row", "Parts of the form"):
        assert english not in page
