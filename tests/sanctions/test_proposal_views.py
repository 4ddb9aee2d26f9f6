"""Proposal pages and the perpetrator pages (person, organization): roles, strangers, bad input, exports."""

import csv
import datetime as dt
import io
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from svidok.people.merging import judge_pair
from svidok.people.services import record_occupancy
from svidok.sanctions import services as proposals
from svidok.sanctions.models import Proposal
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db



@pytest.fixture
def world(base_world, coordinator):
    w = base_world
    w.proposal = proposals.create_proposal(actor=coordinator, title="Organizers of the 2018 election in occupied Crimea")
    w.member = proposals.add_member(actor=coordinator, proposal=w.proposal, person=w.chair)
    proposals.set_grounds(actor=coordinator, member=w.member, grounds="Chaired the commission that organised the vote.",
                          occupancies=[w.chair_held], incidents=[w.ordered, w.secret], sources=[w.appointment])
    return w


def page(client, user, url, **kwargs):
    login(client, user)
    return client.get(url, **kwargs)


def detail_url(w):
    return f"/people/proposals/{w.proposal.uuid}/"


def member_url(w, member=None):
    return f"{detail_url(w)}members/{(member or w.member).uuid}/"


# --- list and detail ------------------------------------------------------------------------------------


def test_proposal_list_for_a_viewer(client, viewer, world):
    response = page(client, viewer, "/people/proposals/")

    assert response.status_code == 200
    assert [p.title for p in response.context["page"]] == ["Organizers of the 2018 election in occupied Crimea"]
    assert 'href="/people/proposals/new/"' not in response.content.decode()


def test_proposal_list_queries_do_not_grow_with_proposals(client, coordinator, world):
    login(client, coordinator)
    with CaptureQueriesContext(connection) as one:
        client.get("/people/proposals/")
    for n in range(5):
        proposals.create_proposal(actor=coordinator, title=f"Proposal {n}")

    with CaptureQueriesContext(connection) as six:
        response = client.get("/people/proposals/")

    assert len(response.context["page"]) == 6
    assert len(six) == len(one)


def test_proposal_pages_send_strangers_to_sign_in(client, world):
    for url in ("/people/proposals/", detail_url(world), member_url(world), f"{detail_url(world)}export/pdf/"):
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_proposal_detail_unknown_is_404(client, viewer):
    assert page(client, viewer, f"/people/proposals/{uuid.uuid4()}/").status_code == 404


def test_proposal_detail_shows_only_incidents_the_reader_may_see(client, analyst, coordinator, world):
    analyst_body = page(client, analyst, detail_url(world)).content.decode()
    client.logout()
    coordinator_body = page(client, coordinator, detail_url(world)).content.decode()

    assert world.ordered.reference in analyst_body
    assert world.secret.reference not in analyst_body
    assert world.secret.reference in coordinator_body


def test_proposal_detail_without_a_reference_list_says_so_never_not_listed(client, viewer, world):
    body = page(client, viewer, detail_url(world)).content.decode()

    # An English reader sees the member's English variant (people.display).
    assert ("No reference list loaded: these members could not be checked against one, and no listing record names "
            "them yet: Mikhail Grigorievich MALYSHEV</p>") in body
    assert "not listed" not in body.lower() and "not yet listed" not in body.lower()


def test_proposal_create_by_documenter(client, documenter):
    login(client, documenter)

    response = client.post("/people/proposals/new/", {"title": "Crimea 2018 organizers", "description": ""})

    proposal = Proposal.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/people/proposals/{proposal.uuid}/")
    assert (proposal.title, proposal.created_by) == ("Crimea 2018 organizers", documenter)


def test_proposal_create_without_title_shows_the_error(client, documenter):
    login(client, documenter)

    response = client.post("/people/proposals/new/", {"title": "  "})

    assert response.status_code == 400
    assert response.context["form"].errors == {"title": ["This field is required."]}
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_proposal_create_page_is_forbidden_to_readers(client, role, request):
    assert page(client, request.getfixturevalue(role), "/people/proposals/new/").status_code == 403


# --- members --------------------------------------------------------------------------------------------


def test_add_member_by_id_goes_to_its_grounds(client, documenter, world):
    login(client, documenter)

    response = client.post(f"{detail_url(world)}members/", {"party": str(world.commission.uuid)})

    member = world.proposal.members.get(organization=world.commission)
    assert (response.status_code, response["Location"]) == (302, member_url(world, member))


def test_add_member_by_name(client, documenter, world):
    login(client, documenter)

    response = client.post(f"{detail_url(world)}members/", {"party": "Election Commission of the Republic of Crimea"})

    assert response.status_code == 302
    assert world.proposal.members.filter(organization=world.commission).count() == 1


def test_add_member_protected_person_shows_the_refusal(client, documenter, world):
    login(client, documenter)

    response = client.post(f"{detail_url(world)}members/", {"party": str(world.victim.uuid)})

    assert response.status_code == 400
    assert response.context["member_form"].errors == {
        "party": ["A protected person (a victim or witness) is never put on a sanctions list."]}
    assert world.proposal.members.count() == 1


def test_add_member_by_analyst_is_forbidden(client, analyst, world):
    login(client, analyst)

    assert client.post(f"{detail_url(world)}members/", {"party": str(world.commission.uuid)}).status_code == 403


def test_member_page_offers_only_visible_incidents_where_perpetrator(client, documenter, world):
    response = page(client, documenter, member_url(world))

    form = response.context["grounds_form"]
    assert [i.reference for i in form.fields["incidents"].queryset] == [world.ordered.reference]


def test_member_grounds_saved_by_a_documenter_keep_incidents_they_cannot_see(client, documenter, world):
    login(client, documenter)

    response = client.post(member_url(world), {
        "grounds": "Chaired the commission; ordered teachers to vote.", "occupancies": [world.chair_held.pk],
        "incidents": [world.ordered.reference], "sources": [], "other_source": "Teachers told to vote",
    })

    world.member.refresh_from_db()
    assert response.status_code == 302
    assert world.member.grounds == "Chaired the commission; ordered teachers to vote."
    assert sorted(world.member.incidents.values_list("reference", flat=True)) == sorted([world.ordered.reference, world.secret.reference])
    assert list(world.member.sources.all()) == [world.report]


def test_member_listing_listed_without_date_shows_the_error(client, documenter, world):
    login(client, documenter)

    response = client.post(f"{member_url(world)}listing/", {"jurisdiction": "eu", "status": "listed",
                                                            "legal_act": "Council Implementing Regulation (EU) 2018/705"})

    assert response.status_code == 400
    assert response.context["listing_form"].errors == {"date": ["A listing or delisting needs its date."]}


def test_member_listing_recorded(client, documenter, world):
    login(client, documenter)

    response = client.post(f"{member_url(world)}listing/", {"jurisdiction": "eu", "status": "listed", "date": "2018-05-14",
                                                            "legal_act": "Council Implementing Regulation (EU) 2018/705"})

    assert response.status_code == 302
    assert list(world.member.listings.values_list("jurisdiction", "status", "date", "legal_act")) == [
        ("eu", "listed", dt.date(2018, 5, 14), "Council Implementing Regulation (EU) 2018/705")]


def test_member_review_by_documenter_is_forbidden(client, documenter, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    login(client, documenter)

    assert client.post(f"{member_url(world)}review/", {"note": ""}).status_code == 403


def test_review_sign_off_and_submit_through_the_pages(client, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    login(client, coordinator)

    assert client.post(f"{member_url(world)}review/", {"note": "Checked."}).status_code == 302
    login(client, world.verifier)  # four eyes: who reviewed a member does not sign off
    assert client.post(f"{detail_url(world)}sign-off/").status_code == 302
    response = client.post(f"{detail_url(world)}submit/", {"jurisdictions": ["eu"], "date": "2018-04-02"})

    world.proposal.refresh_from_db()
    assert response.status_code == 302
    assert world.proposal.status == "submitted"
    assert list(world.member.listings.values_list("jurisdiction", "status")) == [("eu", "submitted")]


def test_sign_off_with_unreviewed_members_shows_the_refusal(client, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    login(client, coordinator)

    response = client.post(f"{detail_url(world)}sign-off/")

    assert response.status_code == 400
    assert response.context["errors"] == ["Not reviewed yet: Михаил Григорьевич МАЛЫШЕВ."]


FOUR_EYES = ("You reviewed Михаил Григорьевич МАЛЫШЕВ, so another coordinator signs the proposal off: "
             "a second pair of eyes checks every proposal.")


def test_member_reviewer_sees_sign_off_disabled_with_reason(client, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    proposals.review_member(actor=coordinator, member=world.member)

    body = page(client, coordinator, detail_url(world)).content.decode()

    # The page names the member in the reader's language, as everywhere on it.
    assert f'<p class="four-eyes" id="sign-refusal">{FOUR_EYES.replace("Михаил Григорьевич МАЛЫШЕВ", "Mikhail Grigorievich MALYSHEV")}</p>' in body
    assert '<button type="submit" class="primary" disabled aria-describedby="sign-refusal">Sign off</button>' in body


def test_member_reviewer_signing_off_is_refused_with_reason(client, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    proposals.review_member(actor=coordinator, member=world.member)
    login(client, coordinator)

    response = client.post(f"{detail_url(world)}sign-off/")

    world.proposal.refresh_from_db()
    assert (response.status_code, response.context["errors"], world.proposal.status) == (400, [FOUR_EYES], "in_review")


def test_another_coordinator_sees_sign_off_enabled(client, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    proposals.review_member(actor=coordinator, member=world.member)

    body = page(client, world.verifier, detail_url(world)).content.decode()

    assert ("four-eyes" in body, '<button type="submit" class="primary">Sign off</button>' in body) == (False, True)


def test_member_page_says_the_reviewer_stands_aside_from_the_sign_off(client, coordinator, world):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)

    body = page(client, coordinator, member_url(world)).content.decode()

    assert '<p class="help">Who reviews a member does not sign the proposal off: another coordinator does.</p>' in body


def test_unknown_proposal_action_is_404(client, coordinator, world):
    login(client, coordinator)

    assert client.post(f"{detail_url(world)}destroy/").status_code == 404


# --- exports --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "content_type", "extension"), [
    ("html", "text/html; charset=utf-8", "html"), ("pdf", "application/pdf", "pdf"), ("csv", "text/csv; charset=utf-8", "csv"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("ftm", "application/x-ndjson; charset=utf-8", "ftm.json"),
])
def test_export_formats(client, analyst, world, fmt, content_type, extension):
    response = page(client, analyst, f"{detail_url(world)}export/{fmt}/")

    assert (response.status_code, response["Content-Type"]) == (200, content_type)
    name = world.proposal.members.first().person.display_name
    assert response["Content-Disposition"] == content_disposition_header(
        True, f"Sanctions proposal – {name} – {timezone.localdate().isoformat()}.{extension}")
    assert str(world.proposal.uuid) not in response["Content-Disposition"]
    if fmt in ("html", "csv", "ftm"):
        assert world.secret.reference not in response.content.decode()
        assert "Statement of a protected witness" not in response.content.decode()


def test_export_csv_and_ftm_have_the_member(client, analyst, world):
    csv_rows = list(csv.DictReader(io.StringIO(page(client, analyst, f"{detail_url(world)}export/csv/").content.decode())))
    entities = [json.loads(line) for line in client.get(f"{detail_url(world)}export/ftm/").content.decode().splitlines()]

    assert [row["name"] for row in csv_rows] == ["Михаил Григорьевич МАЛЫШЕВ"]
    assert sorted(e["schema"] for e in entities) == ["Occupancy", "Person", "Position", "PublicBody"]


def test_export_by_viewer_is_forbidden(client, viewer, world):
    assert page(client, viewer, f"{detail_url(world)}export/pdf/").status_code == 403


def test_export_unknown_format_is_404(client, analyst, world):
    assert page(client, analyst, f"{detail_url(world)}export/docx/").status_code == 404


# --- the perpetrator pages --------------------------------------------------------------------------------


def test_person_page_cites_the_source_of_each_post_and_incident(client, analyst, world):
    response = page(client, analyst, f"/people/persons/{world.chair.uuid}/")

    body = response.content.decode()
    post_row = body.split("Chair, <a", 1)[1].split("</tr>", 1)[0]
    incident_row = body.split(f"{world.ordered.reference} · Teachers ordered to vote", 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/incidents/sources/{world.appointment.uuid}/">Decision No. 1 on the chair of the commission</a>' in post_row
    assert f'<a href="/incidents/sources/{world.report.uuid}/">Teachers told to vote</a></cite>, QHA, 2018-03-21' in incident_row
    assert world.secret.reference not in body
    assert [i.incident.reference for i in response.context["involvements"]] == [world.ordered.reference, world.reported.reference]


def test_person_page_lists_proposals_with_listing_status(client, viewer, coordinator, world):
    proposals.record_listing(actor=coordinator, member=world.member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14))

    body = page(client, viewer, f"/people/persons/{world.chair.uuid}/").content.decode()

    assert f'<a href="/people/proposals/{world.proposal.uuid}/">Organizers of the 2018 election in occupied Crimea</a>' in body
    assert '<span class="badge">European Union: listed 2018-05-14</span>' in body


def test_canonical_person_page_shows_linked_records_labelled(client, analyst, coordinator, world):
    duplicate = factories.person(coordinator, name="Mikhail MALYSHEV")
    record_occupancy(actor=coordinator, person=duplicate, position=world.chair_post, start_date=dt.date(2014, 3, 17))
    from svidok.incidents.services import add_involvement
    add_involvement(actor=coordinator, incident=world.ordered, person=duplicate, role=factories.term("involvement_role", "instigator"))
    judge_pair(actor=coordinator, a=world.chair, b=duplicate, verdict="same")

    response = page(client, analyst, f"/people/persons/{world.chair.uuid}/")
    linked = client.get(f"/people/persons/{duplicate.uuid}/")

    body = response.content.decode()
    assert response.context["source_records"] == [duplicate]
    assert [o.person_id for o in response.context["occupancies"]] == [world.chair.pk, duplicate.pk]
    label = f'source record: <a href="/people/persons/{duplicate.uuid}/">Mikhail MALYSHEV</a>'
    assert body.count(label) == 3  # its name, its post, its involvement
    assert linked.context["linked_to"] == world.chair
    assert "This record is linked to Михаил Григорьевич МАЛЫШЕВ as the same person" in linked.content.decode()


def test_organization_page_lists_posts_holders_and_sources(client, viewer, world):
    response = page(client, viewer, f"/people/organizations/{world.commission.uuid}/")

    body = response.content.decode()
    row = body.split('<td data-label="Position">Chair</td>', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/people/persons/{world.chair.uuid}/">Михаил Григорьевич МАЛЫШЕВ</a>' in row
    assert "2014-09-01 – " in row
    assert "Decision No. 1 on the chair of the commission</a></cite>, Crimean election commission, 2014-09-01" in row


def test_person_page_queries_do_not_grow_with_incidents(client, analyst, coordinator, documenter, world):
    login(client, analyst)
    with CaptureQueriesContext(connection) as before:
        client.get(f"/people/persons/{world.chair.uuid}/")
    from svidok.incidents.services import add_involvement, link_source, submit_incident, verify_incident
    for n in range(4):
        incident = factories.incident(documenter, title=f"Pressure {n}")
        add_involvement(actor=documenter, incident=incident, person=world.chair, role=factories.term("involvement_role", "perpetrator"))
        link_source(actor=documenter, incident=incident, source=world.report)
        submit_incident(actor=documenter, incident=incident)
        verify_incident(actor=coordinator, incident=incident)

    with CaptureQueriesContext(connection) as after:
        response = client.get(f"/people/persons/{world.chair.uuid}/")

    assert len(response.context["involvements"]) == 6
    assert len(after) == len(before)


def test_proposal_page_in_ukrainian(client, viewer, coordinator, world):
    proposals.record_listing(actor=coordinator, member=world.member, jurisdiction="eu", status="listed", date=dt.date(2018, 5, 14))

    try:
        body = page(client, viewer, detail_url(world), HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    finally:
        translation.activate("en")  # the locale middleware leaves the request's language active in this thread

    assert "<h2>Учасники</h2>" in body
    assert "1 посада," in body
    assert "Європейський Союз: внесено до списку 2018-05-14" in body


def test_each_export_is_an_audit_entry_with_the_files_sha256(client, analyst, world):
    import hashlib

    from svidok.audit.models import AuditEntry

    response = page(client, analyst, f"{detail_url(world)}export/csv/")
    entry = AuditEntry.objects.get(action="export", object_id=str(world.proposal.uuid))
    assert entry.actor == analyst
    assert entry.changes["export"][1] == {"format": "csv", "sha256": hashlib.sha256(response.content).hexdigest()}


# --- reference lists: warnings on the proposal page, confirmation at sign-off -----------------------------


@pytest.fixture
def eu_test_list(coordinator, tmp_path):
    from svidok.sanctions.lists import import_list

    path = tmp_path / "eu.ftm.json"
    path.write_text('{"id": "eu-5178", "schema": "Person", "properties": {"name": ["Mikhail Grigorievich MALYSHEV"]}}\n'
                    '{"id": "eu-5178-s", "schema": "Sanction", "properties": {"entity": ["eu-5178"], "startDate": ["2018-05-14"]}}\n'
                    '{"id": "eu-9", "schema": "Person", "properties": {"name": ["Natalia Ivanovna BEZRUCHENKO"]}}\n',
                    encoding="utf-8")
    return import_list(actor=coordinator, path=path, name="eu-test", title="EU list (test)", jurisdiction="eu")


def test_proposal_page_warns_on_a_possible_match_and_sign_off_asks_to_confirm(client, coordinator, world, eu_test_list):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    login(client, coordinator)
    assert client.post(f"{member_url(world)}review/", {"note": "Checked."}).status_code == 302
    login(client, world.verifier)  # four eyes: another lead signs off

    body = " ".join(client.get(detail_url(world)).content.decode().split())

    assert ("<strong>Mikhail Grigorievich MALYSHEV</strong>: possible match (name only): Mikhail Grigorievich MALYSHEV, "
            "EU list (test), record eu-5178, listed since 2018-05-14</li>") in body
    assert 'name="matches_checked" required' in body
    assert "not listed" not in body.lower()

    refused = client.post(f"{detail_url(world)}sign-off/")
    world.proposal.refresh_from_db()
    assert (refused.status_code, world.proposal.status) == (400, "in_review")
    assert refused.context["errors"] == ["Possibly already on a reference list: Михаил Григорьевич МАЛЫШЕВ. Check the matches, "
                                         "then confirm that you have checked them."]

    assert client.post(f"{detail_url(world)}sign-off/", {"matches_checked": "on"}).status_code == 302
    world.proposal.refresh_from_db()
    assert world.proposal.status == "signed_off"
    history = " ".join(client.get(detail_url(world)).content.decode().split("Change history", 1)[1].split())
    assert "Possible list matches checked" in history


def test_proposal_page_names_the_lists_a_member_was_not_found_in(client, coordinator, world, eu_test_list, tmp_path):
    member = proposals.add_member(actor=coordinator, proposal=world.proposal, organization=world.commission)
    login(client, coordinator)

    body = " ".join(client.get(detail_url(world)).content.decode().split())

    imported = timezone.localtime(eu_test_list.imported_at).strftime("%Y-%m-%d")
    assert f"Not found in the loaded reference lists (EU list (test), imported {imported}): " in body
    assert member.organization.name in body.split("Not found in the loaded reference lists", 1)[1].split("</p>", 1)[0]


def test_proposal_page_in_ukrainian_without_a_list(client, viewer, world):
    login(client, viewer)
    with translation.override("uk"):
        body = " ".join(client.get(detail_url(world), HTTP_ACCEPT_LANGUAGE="uk").content.decode().split())

    assert "Жодного довідкового списку не завантажено" in body


def test_member_page_without_a_reference_list_says_so(client, coordinator, world):
    login(client, coordinator)

    body = client.get(member_url(world)).content.decode()

    assert "No reference list loaded: this member's names were not checked against any sanctions list." in body
    assert "not listed" not in body.lower()


def test_list_warnings_and_confirmation_in_ukrainian(client, coordinator, world, eu_test_list):
    proposals.send_for_review(actor=coordinator, proposal=world.proposal)
    proposals.add_member(actor=coordinator, proposal=world.proposal, organization=world.commission)
    login(client, coordinator)

    body = " ".join(client.get(detail_url(world), HTTP_ACCEPT_LANGUAGE="uk").content.decode().split())

    imported = timezone.localtime(eu_test_list.imported_at).strftime("%Y-%m-%d")
    assert "Можливо, вже є в довідковому списку" in body
    assert ("можливий збіг (лише за іменем): Mikhail Grigorievich MALYSHEV, EU list (test), запис eu-5178, у списку з "
            "2018-05-14") in body
    assert f"Не знайдено в завантажених довідкових списках (EU list (test), імпортовано {imported}):" in body
    assert "Я перевірив(-ла) можливі збіги з довідковими списками (вище)." in body


def test_member_listing_shows_every_error_in_one_submit(client, documenter, world):
    login(client, documenter)

    response = client.post(f"{member_url(world)}listing/", {"jurisdiction": "other", "status": "listed",
                                                            "source": "No source by this title"})

    assert response.status_code == 400
    assert response.context["listing_form"].errors == {
        "jurisdiction_other": ["Name the jurisdiction."],
        "date": ["A listing or delisting needs its date."],
        "source": ["No source matches “No source by this title”."],
    }
