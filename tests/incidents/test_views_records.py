"""Source, intervention, election and figure pages, and reopening a reviewed incident."""

import decimal

import pytest

from svidok.audit.models import AuditEntry
from svidok.incidents.models import ElectionFigure, Incident, Intervention, Source
from svidok.incidents.services import reject_incident, submit_incident
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db

SOURCE = {"title": "QHA report", "kind": "article", "publisher": "QHA", "url": "https://qha.com.ua/x",
          "published_on": "2018-03-20", "reliability": "B", "credibility": "2", "language": "ru"}


# --- sources


def test_source_create_by_documenter(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/sources/new/", SOURCE)

    source = Source.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/incidents/sources/{source.uuid}/")
    assert (source.title, source.kind.code, source.grading, source.language, source.created_by) == ("QHA report", "article", "B2", "ru", documenter)


def test_source_create_refused_to_analyst_and_stranger(client, analyst):
    assert client.post("/incidents/sources/new/", SOURCE).status_code == 302
    login(client, analyst)
    assert client.post("/incidents/sources/new/", SOURCE).status_code == 403
    assert Source.objects.count() == 0


def test_source_create_reversed_dates_is_field_error(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/sources/new/", SOURCE | {"accessed_on": "2018-03-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"accessed_on": ["Accessed on March 1, 2018, before it was published (March 20, 2018)."]}
    assert Source.objects.count() == 0


def test_source_edit_changes_grading_and_is_audited(client, coordinator, documenter):
    source = factories.source(documenter, reliability="C", credibility=3)
    login(client, coordinator)

    page = client.get(f"/incidents/sources/{source.uuid}/edit/")
    response = client.post(f"/incidents/sources/{source.uuid}/edit/", SOURCE | {"reliability": "A", "credibility": "1"})

    source.refresh_from_db()
    assert (page.status_code, response.status_code) == (200, 302)
    assert source.grading == "A1"
    assert AuditEntry.objects.filter(object_type="incidents.source", action="update").get().changes["reliability"] == ["C", "A"]


def test_source_edit_refused_to_viewer(client, viewer, documenter):
    source = factories.source(documenter)
    login(client, viewer)

    assert client.post(f"/incidents/sources/{source.uuid}/edit/", SOURCE).status_code == 403
    source.refresh_from_db()
    assert source.title == "QHA report" and source.publisher == ""


def test_source_edit_missing_title_writes_nothing(client, documenter):
    source = factories.source(documenter)
    login(client, documenter)

    response = client.post(f"/incidents/sources/{source.uuid}/edit/", SOURCE | {"title": ""})

    source.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors == {"title": ["This field is required."]}
    assert source.publisher == ""


# --- interventions


def _intervention(**fields):
    return {"kind": "statement", "title": "Statement at the OSCE Permanent Council", "status": "done", "date": "2018-03-22",
            "addressee": "OSCE Permanent Council"} | fields


def test_intervention_create_from_incident_page(client, documenter, coordinator, verified):
    ukraine = factories.organization(coordinator, name="Mission of Ukraine to the OSCE", kind="other")
    login(client, documenter)

    page = client.get(f"/incidents/{verified.reference}/")
    form = client.get(f"/incidents/interventions/new/?incident={verified.reference}")
    response = client.post(f"/incidents/interventions/new/?incident={verified.reference}",
                           _intervention(by="Mission of Ukraine to the OSCE", incidents=verified.reference))

    intervention = Intervention.objects.get()
    assert f'href="/incidents/interventions/new/?incident={verified.reference}">Record an intervention</a>' in page.content.decode()
    assert form.context["form"].initial == {"incidents": verified.reference}
    assert (response.status_code, response["Location"]) == (302, f"/incidents/{verified.reference}/")
    assert (intervention.kind.code, intervention.by_organization, intervention.by_person) == ("statement", ukraine, None)
    assert list(intervention.incidents.all()) == [verified]


def test_intervention_create_by_person_from_list(client, documenter):
    envoy = factories.person(documenter, name="Ihor Prokopchuk")
    login(client, documenter)

    response = client.post("/incidents/interventions/new/", _intervention(by="Ihor Prokopchuk"))

    assert (response.status_code, response["Location"]) == (302, "/incidents/interventions/")
    assert Intervention.objects.get().by_person == envoy


def test_intervention_create_invisible_incident_is_field_error(client, other_documenter, draft):
    login(client, other_documenter)

    response = client.post("/incidents/interventions/new/", _intervention(incidents=f"{draft.reference}, SV-2018-999999"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"incidents": [f"No incident has the reference {draft.reference}, SV-2018-999999."]}
    assert Intervention.objects.count() == 0


def test_intervention_create_future_date_is_field_error(client, documenter):
    login(client, documenter)

    response = client.post("/incidents/interventions/new/", _intervention(date="2999-01-01"))

    assert response.status_code == 400
    assert response.context["form"].errors == {"date": ["Date 2999-01-01 is in the future."]}
    assert Intervention.objects.count() == 0


def test_intervention_create_refused_to_analyst_and_stranger(client, analyst):
    assert client.post("/incidents/interventions/new/", _intervention()).status_code == 302
    login(client, analyst)
    assert client.get("/incidents/interventions/new/").status_code == 403
    assert client.post("/incidents/interventions/new/", _intervention()).status_code == 403
    assert Intervention.objects.count() == 0


def test_intervention_list_names_only_visible_incidents(client, viewer, coordinator, verified, draft):
    from svidok.incidents.services import record_intervention

    record_intervention(actor=coordinator, fields={"kind": factories.term("intervention_type", "statement"), "title": "OSCE statement"},
                        incidents=[verified, draft])
    login(client, viewer)

    response = client.get("/incidents/interventions/")

    body = response.content.decode()
    assert response.status_code == 200
    assert [i.reference for i in response.context["page"][0].incidents.all()] == [verified.reference]
    assert draft.reference not in body
    assert "Record an intervention" not in body


# --- elections and figures


def test_election_create_by_coordinator(client, coordinator, places):
    login(client, coordinator)

    response = client.post("/incidents/elections/new/", {"name": "Russian presidential election 2018 in Crimea", "date": "2018-03-18",
                                                         "territory": places["crimea"].code, "kind": "presidential"})

    from svidok.incidents.models import Election

    election = Election.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/incidents/elections/{election.uuid}/")
    assert (election.territory, election.kind) == (places["crimea"], "presidential")


def test_election_create_refused_to_documenter_and_stranger(client, documenter):
    from svidok.incidents.models import Election

    assert client.post("/incidents/elections/new/", {"name": "X", "date": "2018-03-18"}).status_code == 302
    login(client, documenter)
    assert client.post("/incidents/elections/new/", {"name": "X", "date": "2018-03-18"}).status_code == 403
    assert Election.objects.count() == 0


def test_election_create_without_date_is_field_error(client, coordinator):
    from svidok.incidents.models import Election

    login(client, coordinator)

    response = client.post("/incidents/elections/new/", {"name": "Some vote", "date": ""})

    assert response.status_code == 400
    assert response.context["form"].errors == {"date": ["This field is required."]}
    assert Election.objects.count() == 0


def test_figure_add_estimate_with_source(client, coordinator, election):
    source = factories.source(coordinator, title="Mejlis statement on turnout")
    login(client, coordinator)

    response = client.post(f"/incidents/elections/{election.uuid}/figures/new/", {
        "metric": "turnout", "comparator": "le", "value": "10", "official": "no", "population_group": "Crimean Tatars",
        "claimed_by": "Mejlis", "source": "Mejlis statement on turnout"})

    figure = ElectionFigure.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/incidents/elections/{election.uuid}/")
    assert (figure.metric, figure.comparator, figure.value, figure.official, figure.source) == (
        "turnout", "le", decimal.Decimal("10.00"), False, source)
    page = client.get(f"/incidents/elections/{election.uuid}/")
    assert [f.population_group for f in page.context["estimates"]] == ["Crimean Tatars"]


def test_figure_percentage_over_100_is_field_error(client, coordinator, election):
    login(client, coordinator)

    response = client.post(f"/incidents/elections/{election.uuid}/figures/new/",
                           {"metric": "turnout", "comparator": "eq", "value": "171.55", "official": "yes"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"value": ["A percentage lies between 0 and 100."]}
    assert ElectionFigure.objects.count() == 0


def test_figure_add_refused_to_documenter_and_stranger(client, documenter, election):
    data = {"metric": "turnout", "comparator": "eq", "value": "71.55", "official": "yes"}
    assert client.post(f"/incidents/elections/{election.uuid}/figures/new/", data).status_code == 302
    login(client, documenter)
    assert client.get(f"/incidents/elections/{election.uuid}/figures/new/").status_code == 403
    assert client.post(f"/incidents/elections/{election.uuid}/figures/new/", data).status_code == 403
    assert ElectionFigure.objects.count() == 0


# --- reopen


def test_reopen_verified_by_coordinator(client, coordinator, verified):
    login(client, coordinator)

    page = client.get(f"/incidents/{verified.reference}/")
    response = client.post(f"/incidents/{verified.reference}/reopen/", {"reason": "new testimony"})

    verified.refresh_from_db()
    assert ">Reopen</button>" in page.content.decode()
    assert (response.status_code, response["Location"]) == (302, f"/incidents/{verified.reference}/")
    assert (verified.status, verified.status_reason) == ("submitted", "new testimony")


def test_reopen_rejected_by_admin(client, admin_user, coordinator, documenter, draft):
    submit_incident(actor=documenter, incident=draft)
    reject_incident(actor=coordinator, incident=draft, reason="no source")
    login(client, admin_user)

    client.post(f"/incidents/{draft.reference}/reopen/", {"reason": "source found"})

    draft.refresh_from_db()
    assert draft.status == "submitted"


def test_reopen_refused_to_documenter_and_button_hidden(client, documenter, verified):
    login(client, documenter)

    page = client.get(f"/incidents/{verified.reference}/")
    response = client.post(f"/incidents/{verified.reference}/reopen/", {"reason": "x"})

    verified.refresh_from_db()
    assert ">Reopen</button>" not in page.content.decode()
    assert response.status_code == 403
    assert verified.status == "verified"


def test_reopen_stranger_redirected(client, verified):
    assert client.post(f"/incidents/{verified.reference}/reopen/", {"reason": "x"}).status_code == 302
    verified.refresh_from_db()
    assert verified.status == "verified"


def test_reopen_draft_is_error_not_write(client, coordinator, draft):
    login(client, coordinator)

    response = client.post(f"/incidents/{draft.reference}/reopen/", {"reason": "x"})

    draft.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Only a reviewed incident can be reopened."]
    assert (draft.status, AuditEntry.objects.filter(object_id=draft.reference, action="status").count()) == ("draft", 0)


def test_reopen_by_get_is_not_allowed(client, coordinator, verified):
    login(client, coordinator)

    assert client.get(f"/incidents/{verified.reference}/reopen/").status_code == 405
    assert Incident.objects.get(pk=verified.pk).status == "verified"
