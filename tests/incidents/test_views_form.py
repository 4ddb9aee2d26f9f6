import pytest

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Incident, Source
from svidok.people.models import Organization, Person
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


def management(prefix, total, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def row(prefix, index, **fields):
    defaults = {"party_kind": "person", "protected": "auto"} if prefix == "inv" else {"reliability": "F", "credibility": "6"}
    return {f"{prefix}-{index}-{k}": v for k, v in (defaults | fields).items()}


def incident_data(**fields):
    base = {"title": "Teachers dismissed for not voting", "type": "dismissal", "date_start": "2018-03-20",
            "date_precision": "day", "confidence": "medium", "sensitivity": "internal"}
    return base | management("inv", 3) | management("src", 2) | fields


def test_new_form_renders_for_documenter_with_labels(client, documenter):
    login(client, documenter)

    response = client.get("/incidents/new/")

    body = response.content.decode()
    assert response.status_code == 200
    for label in ('for="id_title">Title', 'for="id_type">Type', 'for="id_date_start">Date', 'for="id_inv-0-name">Name',
                  'for="id_inv-0-role">Role', 'for="id_src-0-title">Source title'):
        assert label in body
    assert ">Save</button>" in body


def test_new_form_refused_to_viewer_and_analyst(client, viewer, analyst):
    login(client, viewer)
    assert client.get("/incidents/new/").status_code == 403
    login(client, analyst)
    assert client.post("/incidents/new/", incident_data()).status_code == 403
    assert Incident.objects.count() == 0


def test_create_with_victim_perpetrator_and_source(client, documenter):
    login(client, documenter)
    data = incident_data(**row("inv", 0, name="Ayder Umerov", role="victim"),
                         **row("inv", 1, name="Bakhchysarai school No. 5", party_kind="organization", role="perpetrator",
                               perpetrator_type="school", details="dismissed three teachers"),
                         **row("src", 0, title="QHA report", kind="article", publisher="QHA", url="https://qha.com.ua/x",
                               published_on="2018-03-20", reliability="B", credibility="2", note="names the lawyer"))

    response = client.post("/incidents/new/", data)

    incident = Incident.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/incidents/{incident.reference}/")
    involvements = list(incident.involvements.select_related("person", "organization", "role"))
    assert [(i.role.code, i.party.display_name == "Ayder Umerov") for i in involvements] == [("victim", False), ("perpetrator", False)]
    victim = involvements[0].person
    assert (victim.protected, victim.identity.full_name) == (True, "Ayder Umerov")
    assert involvements[1].organization.kind.code == "school"
    link = incident.source_links.select_related("source").get()
    assert (link.source.title, link.source.grading, link.note) == ("QHA report", "B2", "names the lawyer")
    assert incident.created_by == documenter


def test_create_links_existing_person_by_name(client, documenter):
    lawyer = factories.person(documenter, name="Emil Kurbedinov")
    login(client, documenter)

    client.post("/incidents/new/", incident_data(**row("inv", 0, existing="Emil Kurbedinov", role="lawyer")))

    assert Incident.objects.get().involvements.get().person == lawyer
    assert Person.objects.count() == 1


def test_create_with_bad_date_is_400_and_writes_nothing(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/new/", incident_data(date_start="2018-02-31", **row("inv", 0, name="X Y", role="victim")))

    assert response.status_code == 400
    assert response.context["form"].errors == {"date_start": ["Enter a valid date."]}
    assert "Nothing was saved." in response.content.decode()
    assert (Incident.objects.count(), Person.objects.count()) == (0, 0)


def test_create_with_future_date_shows_service_error(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/new/", incident_data(date_start="2999-01-01"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"date_start": ["Date 2999-01-01 is in the future."]}
    assert Incident.objects.count() == 0


def test_create_with_bad_involvement_row_writes_nothing(client, documenter):
    login(client, documenter)
    data = incident_data(**row("inv", 0, name="New Victim", role="victim"),
                         **row("inv", 1, existing="Nobody By This Name", role="perpetrator"),
                         **row("src", 0, title="A source", kind="article"))

    response = client.post("/incidents/new/", data)

    assert response.status_code == 400
    assert response.context["involvement_rows"][1].errors == {"existing": [
        "No person or organization matches “Nobody By This Name”. To record a new one, leave this empty and fill in the name."]}
    assert (Incident.objects.count(), Person.objects.count(), Source.objects.count()) == (0, 0, 0)


def test_create_service_error_in_row_rolls_back_everything(client, documenter):
    login(client, documenter)
    # A source published in the future passes the form but not the service: the incident and the
    # new person written before it must be rolled back too.
    data = incident_data(**row("inv", 0, name="New Victim", role="victim"),
                         **row("src", 0, title="A source", kind="article", published_on="2999-01-01"))

    response = client.post("/incidents/new/", data)

    assert response.status_code == 400
    assert response.context["source_rows"][0].errors == {"published_on": ["Date 2999-01-01 is in the future."]}
    assert (Incident.objects.count(), Person.objects.count(), Source.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.filter(object_type__in=["incidents.incident", "people.person"]).count() == 0


def test_edit_by_owner_updates_and_removes_involvement(client, documenter, draft):
    from svidok.incidents.services import add_involvement

    person = factories.person(documenter, name="Witness Person")
    involvement = add_involvement(actor=documenter, incident=draft, person=person, role=factories.term("involvement_role", "witness"))
    login(client, documenter)

    response = client.post(f"/incidents/{draft.reference}/edit/", incident_data(
        title="Threat of dismissal at school", type="threat_of_dismissal", **management("inv", 2, initial=1),
        **row("inv", 0, row=str(involvement.uuid), existing="Witness Person", picked=str(person.uuid), role="witness", DELETE="on"),
        **row("inv", 1, name="Zavuch", party_kind="organization", role="employer")))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.title == "Threat of dismissal at school"
    assert [i.party.display_name for i in draft.involvements.all()] == ["Zavuch"]
    assert Organization.objects.count() == 1


def test_edit_form_prefilled(client, documenter, draft):
    login(client, documenter)

    response = client.get(f"/incidents/{draft.reference}/edit/")

    assert response.status_code == 200
    assert 'value="Draft about a threat"' in response.content.decode()


def test_edit_refused_to_other_documenter_of_visible_incident(client, other_documenter, documenter, verified):
    login(client, other_documenter)

    assert client.get(f"/incidents/{verified.reference}/edit/").status_code == 403
    assert client.post(f"/incidents/{verified.reference}/edit/", incident_data(title="Hijack")).status_code == 403
    verified.refresh_from_db()
    assert verified.title == "Teacher dismissed for not voting"


def test_edit_of_invisible_draft_is_404(client, other_documenter, draft):
    login(client, other_documenter)

    assert client.get(f"/incidents/{draft.reference}/edit/").status_code == 404


def test_edit_allowed_to_coordinator_on_verified(client, coordinator, verified):
    login(client, coordinator)

    response = client.post(f"/incidents/{verified.reference}/edit/", incident_data(title="Corrected title"))

    verified.refresh_from_db()
    assert (response.status_code, verified.title) == (302, "Corrected title")
