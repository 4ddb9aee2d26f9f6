"""The incident list's bulk form, the bulk verification page and the export page (issue 13, item 5)."""

import csv
import datetime as dt
import io
import json
from urllib.parse import unquote

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from svidok.audit.models import AuditEntry
from svidok.incidents.bulk_views import export_file_name
from svidok.incidents.models import Incident
from svidok.incidents.services import add_involvement, submit_incident
from svidok.people import consent as consents
from svidok.people.consent import Purpose
from tests import factories
from tests.helpers import login, make_user, second_lead

pytestmark = pytest.mark.django_db

VICTIM = "Ірина Коваленко"


def _submitted(actor, title, **fields):
    return submit_incident(actor=actor, incident=factories.incident(actor, title=title, **fields))


@pytest.fixture
def three(documenter, coordinator):
    return [_submitted(documenter, "School director dismissed", sensitivity="public"),
            _submitted(documenter, "Nurses threatened", sensitivity="public", date=dt.date(2018, 3, 21)),
            _submitted(coordinator, "Commission member searched", sensitivity="public", date=dt.date(2018, 3, 22))]


def _statuses():
    return dict(Incident.objects.values_list("title", "status"))


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


# --- the list's bulk form --------------------------------------------------------------------------


def test_list_offers_checkboxes_and_the_actions_of_the_role(client, coordinator, three):
    login(client, coordinator)

    html = client.get("/incidents/").content.decode()

    assert html.count('type="checkbox" name="incidents"') == 3
    assert ['value="verify"' in html, 'value="tag"' in html, 'value="export"' in html] == [True, True, True]
    assert "all 3 incidents matching the filters" in html


def test_list_offers_a_documenter_no_verify_and_no_export(client, documenter, three):
    login(client, documenter)

    html = client.get("/incidents/").content.decode()

    assert ['value="verify"' in html, 'value="tag"' in html, 'value="export"' in html, "Export these incidents" in html] == [
        False, True, False, False]


def test_list_offers_a_viewer_no_bulk_form(client, coordinator, three):
    viewer = make_user("viewer")
    login(client, viewer)

    html = client.get("/incidents/").content.decode()

    assert 'action="/incidents/bulk/"' not in html


def test_bulk_tag_on_ticked_incidents_keeps_the_filter(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/bulk/", {"scope": "selected", "action": "tag", "tag": "Teachers",
                                                "incidents": [three[0].reference, three[1].reference],
                                                "filter": "status=submitted"}, follow=True)

    assert response.redirect_chain == [("/incidents/?status=submitted", 302)]
    assert "Tag “teachers” added to 2 incidents." in response.content.decode()
    assert sorted(Incident.objects.filter(tags__name="teachers").values_list("title", flat=True)) == [
        "Nurses threatened", "School director dismissed"]


def test_bulk_tag_on_all_matching_the_filter(client, coordinator, three):
    login(client, coordinator)

    client.post("/incidents/bulk/", {"scope": "all", "action": "tag", "tag": "march", "filter": "q=Nurses"})

    assert list(Incident.objects.filter(tags__name="march").values_list("title", flat=True)) == ["Nurses threatened"]


def test_bulk_form_shows_every_error_at_once(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/bulk/", {"scope": "selected", "action": "tag", "tag": "", "filter": ""}, follow=True)

    html = response.content.decode()
    assert ["Tick at least one incident, or apply the action to the whole page or the whole filter." in html,
            "Tag: Enter the tag to add or remove." in html] == [True, True]
    assert list(Incident.objects.filter(tags__isnull=False)) == []


def test_bulk_tag_by_documenter_with_a_foreign_incident_changes_nothing(client, documenter, three):
    login(client, documenter)

    response = client.post("/incidents/bulk/", {"scope": "page", "action": "tag", "tag": "x", "filter": "",
                                                "page_incidents": [i.reference for i in three]}, follow=True)

    assert f"Nothing was changed: you may not edit {three[2].reference}." in response.content.decode()
    assert list(Incident.objects.filter(tags__isnull=False)) == []


def test_bulk_verify_action_by_a_documenter_is_refused(client, documenter, three):
    login(client, documenter)

    response = client.post("/incidents/bulk/", {"scope": "page", "action": "verify", "filter": "",
                                                "page_incidents": [i.reference for i in three]}, follow=True)

    assert "Action: Choose one of the actions offered." in response.content.decode()
    assert set(_statuses().values()) == {"submitted"}


def test_bulk_by_get_is_not_allowed(client, coordinator):
    login(client, coordinator)

    assert (client.get("/incidents/bulk/").status_code, client.get("/incidents/bulk/verify/").status_code) == (405, 405)


def test_bulk_without_signing_in_goes_to_sign_in(client, three):
    response = client.post("/incidents/bulk/", {"scope": "all", "action": "tag", "tag": "x"})

    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


# --- bulk verification: a confirmation page, four eyes ---------------------------------------------


def test_bulk_verify_shows_a_confirmation_page_and_verifies_nothing_yet(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/bulk/", {"scope": "page", "action": "verify", "filter": "",
                                                "page_incidents": [i.reference for i in three]})

    html = response.content.decode()
    assert response.status_code == 200
    assert "You are about to verify 2 incidents" in html
    assert "You cannot verify these: you recorded them" in html
    assert html.count('type="hidden" name="incidents"') == 2
    assert f'name="incidents" value="{three[2].reference}"' not in html
    assert set(_statuses().values()) == {"submitted"}


def test_bulk_verify_confirmed_verifies_the_rest_each_audited(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/bulk/verify/", {"incidents": [three[0].reference, three[1].reference],
                                                       "reason": "Checked", "filter": ""}, follow=True)

    assert "2 incidents verified." in response.content.decode()
    assert _statuses() == {"School director dismissed": "verified", "Nurses threatened": "verified",
                           "Commission member searched": "submitted"}
    assert AuditEntry.objects.filter(object_type="incidents.incident", action="status",
                                     changes__second_person=[None, True]).count() == 2


def test_bulk_verify_with_an_own_incident_posted_verifies_none(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/bulk/verify/", {"incidents": [i.reference for i in three], "filter": ""})

    assert response.status_code == 400
    assert f"Nothing was verified: {three[2].reference} cannot be verified by you now." in response.content.decode()
    assert set(_statuses().values()) == {"submitted"}


def test_bulk_verify_page_by_a_documenter_is_403(client, documenter, three):
    login(client, documenter)

    assert client.post("/incidents/bulk/verify/", {"incidents": [three[0].reference]}).status_code == 403


# --- export ----------------------------------------------------------------------------------------


@pytest.fixture
def protected(coordinator, three):
    victim = factories.person(coordinator, name=VICTIM, protected=True)
    add_involvement(actor=coordinator, incident=three[0], role=factories.term("involvement_role", "victim"), person=victim)
    return victim


def test_export_page_counts_the_filtered_incidents(client, coordinator, three):
    login(client, coordinator)

    html = client.get("/incidents/export/?q=Nurses").content.decode()

    assert "1 incident matching the filters of the list" in html


def test_export_csv_of_the_filter_streams_the_rows_and_names_the_file(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/export/?status=submitted&q=Nurses", {"format": "csv", "purpose": "internal"})

    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert response.streaming
    assert [r["title"] for r in rows] == ["Nurses threatened"]
    day = timezone.localdate().isoformat()
    assert unquote(response["Content-Disposition"]) == f"attachment; filename*=utf-8''Incidents – {day}.csv"
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.changes["export"][1] == {"format": "csv", "purpose": "internal", "partner": "", "incidents": 1,
                                          "redactions": 0, "left_out": 0}


def test_export_json_of_selected_incidents(client, coordinator, three):
    login(client, coordinator)

    response = client.post(f"/incidents/export/?incident={three[0].reference}&incident={three[2].reference}",
                           {"format": "json", "purpose": "internal"})

    data = json.loads(_body(response))
    assert sorted(i["title"] for i in data["incidents"]) == ["Commission member searched", "School director dismissed"]
    assert data["format"] == "svidok-incidents"


def test_export_xlsx_holds_the_incidents_and_the_redactions_sheet(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/export/", {"format": "xlsx", "purpose": "litigation"})

    workbook = load_workbook(io.BytesIO(_body_bytes(response)))
    sheet = workbook["incidents"]
    titles = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert (workbook.sheetnames, titles) == (["incidents", "redactions"], [
        "Commission member searched", "Nurses threatened", "School director dismissed"])
    assert unquote(response["Content-Disposition"]).endswith(f"Incidents for litigation – {timezone.localdate().isoformat()}.xlsx")


def _body_bytes(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_export_internal_by_an_analyst_shows_the_pseudonym_and_lists_it(client, protected, three):
    analyst = make_user("analyst")
    login(client, analyst)

    data = json.loads(_body(client.post("/incidents/export/", {"format": "json", "purpose": "internal"})))

    names = [v["name"] for i in data["incidents"] for v in i["involvements"]]
    assert VICTIM not in json.dumps(data, ensure_ascii=False)
    assert names == [protected.display_name]
    assert [(r["shown"], r["reason"]) for r in data["redactions"]] == [("pseudonym", "you may not see identities")]


def test_export_for_litigation_by_a_coordinator_names_only_with_consent(client, coordinator, protected, three):
    login(client, coordinator)
    without = json.loads(_body(client.post("/incidents/export/", {"format": "json", "purpose": "litigation"})))
    consents.record_consent(actor=coordinator, person=protected, purpose="litigation", given_on=dt.date(2024, 3, 1),
                            method="written")

    with_consent = json.loads(_body(client.post("/incidents/export/", {"format": "json", "purpose": "litigation"})))

    def names(data):
        return [v["name"] for i in data["incidents"] for v in i["involvements"]]
    assert (names(without), names(with_consent)) == ([protected.display_name], [VICTIM])


def test_export_form_shows_every_error_at_once(client, coordinator, three):
    login(client, coordinator)

    response = client.post("/incidents/export/", {"format": "csv", "purpose": "partner", "partner": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert ["Name the partner the file is for." in html,
            "A CSV table cannot carry the list of what was held back: choose XLSX or JSON for this purpose." in html] == [True, True]
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_export_publication_carries_only_verified_public(client, coordinator, three):
    from svidok.incidents.bulk import bulk_verify
    bulk_verify(actor=second_lead(), incidents=[three[2]])
    login(client, coordinator)

    data = json.loads(_body(client.post("/incidents/export/", {"format": "json", "purpose": "publication"})))

    assert ([i["title"] for i in data["incidents"]], data["left_out"]) == (["Commission member searched"], 2)


@pytest.mark.parametrize("role", ["documenter", "viewer"])
def test_export_page_refuses_roles_without_export(client, role, three):
    login(client, make_user(role, f"{role}-x"))

    assert (client.get("/incidents/export/").status_code,
            client.post("/incidents/export/", {"format": "json", "purpose": "internal"}).status_code) == (403, 403)
    assert AuditEntry.objects.filter(action="export").count() == 0


def test_export_file_names_by_purpose():
    day = dt.date(2026, 12, 3)

    assert [export_file_name(p, "OSCE/ODIHR", "json", today=day) for p in Purpose] == [
        "Incidents – 2026-12-03.json", "Incidents for litigation – 2026-12-03.json",
        "Incidents for OSCE ODIHR – 2026-12-03.json", "Incidents for publication – 2026-12-03.json"]


def test_export_page_in_ukrainian_names_the_file_in_ukrainian(client, coordinator, three):
    login(client, coordinator)
    client.cookies["django_language"] = "uk"

    response = client.post("/incidents/export/", {"format": "csv", "purpose": "internal"}, HTTP_ACCEPT_LANGUAGE="uk")

    assert unquote(response["Content-Disposition"]).startswith("attachment; filename*=utf-8''Інциденти – ")


def test_bulk_export_action_leads_to_the_export_page_with_the_selection(client, coordinator, three):
    login(client, coordinator)

    selected = client.post("/incidents/bulk/", {"scope": "selected", "action": "export", "filter": "q=x",
                                                "incidents": [three[0].reference, three[1].reference]})
    everything = client.post("/incidents/bulk/", {"scope": "all", "action": "export", "filter": "status=submitted"})

    assert (selected["Location"], everything["Location"]) == (
        f"/incidents/export/?incident={three[1].reference}&incident={three[0].reference}", "/incidents/export/?status=submitted")
    html = client.get(selected["Location"]).content.decode()
    assert "2 selected incidents" in html


def test_bulk_verify_confirmation_page_in_ukrainian(client, coordinator, three):
    login(client, coordinator)
    client.cookies["django_language"] = "uk"

    response = client.post("/incidents/bulk/", {"scope": "page", "action": "verify", "filter": "",
                                                "page_incidents": [i.reference for i in three]}, HTTP_ACCEPT_LANGUAGE="uk")

    html = response.content.decode()
    assert ["Ви збираєтеся підтвердити 2 інциденти" in html, "Ці ви не можете підтвердити: ви їх записали" in html,
            "Підтвердити ці 2 інциденти" in html] == [True, True, True]


def test_an_export_whose_download_stops_early_is_audited_as_incomplete(coordinator, three):
    from svidok.incidents.exporting import export_parts

    parts = export_parts(actor=coordinator, fmt="csv", purpose="internal")
    header = next(parts)
    parts.close()

    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert header.startswith("reference,title,")
    assert entry.changes["export"][1] == {"format": "csv", "purpose": "internal", "partner": "", "incidents": 0,
                                          "redactions": 0, "left_out": 0, "complete": False}
