"""The incident form's use cases: record_incident and edit_incident with their rows, all or nothing,
every failed row named; the form view and the API call them alike."""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Incident, IncidentSource, Involvement, Source
from svidok.incidents.services import (
    RowErrors,
    add_involvement,
    edit_incident,
    link_source,
    record_incident,
    snapshot,
)
from svidok.people.models import NameVariant, Organization, Person
from svidok.people.services import update_organization
from tests import factories
from tests.helpers import login
from tests.incidents.test_views_form import incident_data, row

pytestmark = pytest.mark.django_db

FIELDS = {"title": "Teachers dismissed for not voting", "date_start": dt.date(2018, 3, 20)}
NO_LETTERS = ["A name must contain letters."]


def role(code):
    return factories.term("involvement_role", code)


def fields(**changes):
    return {"type": factories.term("incident_type", "dismissal")} | FIELDS | changes


def counts():
    return Incident.objects.count(), Person.objects.count(), Organization.objects.count(), Source.objects.count(), AuditEntry.objects.count()


# --- record_incident ---------------------------------------------------------------------------------


def test_row_error_on_second_involvement_leaves_nothing_and_names_row_and_field(documenter):
    before = counts()

    with pytest.raises(RowErrors) as caught:
        record_incident(actor=documenter, fields=fields(), involvements=[
            {"new_person": {"name": "Ayshe Seitova"}, "role": role("victim")},
            {"new_person": {"name": "12345"}, "role": role("witness")},
        ])

    assert caught.value.incident_error is None
    assert list(caught.value.rows) == [("involvements", 1)]
    assert caught.value.rows[("involvements", 1)].message_dict == {"name": NO_LETTERS}
    assert caught.value.message_dict == {"involvements[1].name": NO_LETTERS}
    assert counts() == before
    assert before[:4] == (0, 0, 0, 0)


def test_every_failed_row_and_the_incident_fields_are_reported_together(documenter):
    source = factories.source(documenter)
    before = counts()

    with pytest.raises(RowErrors) as caught:
        record_incident(actor=documenter, fields=fields(title=""), involvements=[
            {"new_person": {"name": "Ayshe Seitova"}, "role": role("victim")},
            {"new_organization": {"name": "School No. 5"}, "role": None, "details": "x" * 501},
            {"person": None, "role": role("witness")},
        ], sources=[
            {"source": source, "note": "first"},
            {"source": source, "note": "twice"},
            {"new_source": {"title": "A statement", "kind": factories.term("source_type", "statement"),
                            "published_on": dt.date(2999, 1, 1)}, "note": ""},
        ])

    error = caught.value
    assert error.incident_error.message_dict == {"title": ["A title is required."]}
    assert {key: e.message_dict for key, e in error.rows.items()} == {
        ("involvements", 1): {"role": ["An involvement role is required."], "details": ["Details are at most 500 characters long."]},
        ("involvements", 2): {"party": ["Name exactly one person or one organization."]},
        ("sources", 1): {"source": ["This source is already linked to the incident."]},
        ("sources", 2): {"published_on": ["Date 2999-01-01 is in the future."]},
    }
    assert counts() == before


def test_new_victim_and_witness_are_protected_by_default_others_not(documenter):
    incident = record_incident(actor=documenter, fields=fields(), involvements=[
        {"new_person": {"name": "Ayshe Seitova"}, "role": role("victim")},
        {"new_person": {"name": "Refat Chubarov", "protected": None}, "role": role("witness")},
        {"new_person": {"name": "Mikhail Malyshev"}, "role": role("perpetrator")},
        {"new_person": {"name": "Lenie Umerova", "protected": False}, "role": role("victim")},
        {"new_organization": {"name": "Bakhchysarai school No. 5"}, "role": role("employer"),
         "perpetrator_type": factories.term("perpetrator_type", "school")},
    ])

    people = [(i.role.code, i.party.protected if i.person_id else None, i.party.identity.full_name if i.person_id else i.party.name)
              for i in incident.involvements.select_related("person__identity", "organization", "role").order_by("id")]
    assert people == [("victim", True, "Ayshe Seitova"), ("witness", True, "Refat Chubarov"),
                      ("perpetrator", False, "Mikhail Malyshev"), ("victim", False, "Lenie Umerova"),
                      ("employer", None, "Bakhchysarai school No. 5")]
    # Identity values are sealed: no query can filter on them; the loaded identity opens.
    victim = next(p for p in Person.objects.select_related("identity") if p.identity.full_name == "Ayshe Seitova")
    assert victim.display_name == victim.pseudonym != ""
    assert NameVariant.objects.filter(person=victim).count() == 0
    assert Organization.objects.get().kind.code == "school"


def test_record_incident_writes_rows_in_order_with_their_audit_entries(documenter):
    lawyer = factories.person(documenter, name="Emil Kurbedinov")
    source = factories.source(documenter, title="QHA report")
    start = AuditEntry.objects.order_by("id").last().id

    incident = record_incident(actor=documenter, fields=fields(), tags=["Health"], involvements=[
        {"person": lawyer, "role": role("lawyer"), "details": "reported it"},
        {"new_organization": {"name": "School No. 5"}, "role": role("perpetrator"),
         "perpetrator_type": factories.term("perpetrator_type", "school")},
    ], sources=[
        {"source": source, "note": "names the school"},
        {"new_source": {"title": "Teacher's statement", "kind": factories.term("source_type", "statement")}, "note": ""},
        {"source": None, "new_source": {"title": "Post", "kind": factories.term("source_type", "post")}},
    ])

    statement, post = Source.objects.get(title="Teacher's statement"), Source.objects.get(title="Post")
    entries = [(e.action, e.object_type, e.changes) for e in AuditEntry.objects.filter(id__gt=start).order_by("id")]
    assert [(action, kind) for action, kind, _changes in entries] == [
        ("create", "incidents.incident"),
        ("link", "incidents.incident"),
        ("create", "people.organization"),
        ("link", "incidents.incident"),
        ("link", "incidents.incident"),
        ("create", "incidents.source"),
        ("link", "incidents.incident"),
        ("create", "incidents.source"),
        ("link", "incidents.incident"),
    ]
    assert [changes for action, kind, changes in entries if action == "link"] == [
        # A person is named by a label that is not their name, and their id (docs/identity-vault.md).
        {"involvement": [None, {"party": lawyer.audit_repr, "person": lawyer.public_id, "role": "lawyer", "perpetrator_type": None,
                                "details": "reported it"}]},
        {"involvement": [None, {"party": "School No. 5", "role": "perpetrator", "perpetrator_type": "school", "details": ""}]},
        {"source": [None, {"source": source.public_id, "title": "QHA report", "note": "names the school"}]},
        {"source": [None, {"source": statement.public_id, "title": "Teacher's statement", "note": ""}]},
        {"source": [None, {"source": post.public_id, "title": "Post", "note": ""}]},
    ]
    assert (incident.reference, snapshot(incident)["tags"]) == ("SV-2018-000001", ["health"])


def test_record_incident_takes_a_source_and_note_pair(documenter):
    source = factories.source(documenter)

    incident = record_incident(actor=documenter, fields=fields(), sources=[(source, "as the demo loader passes it")])

    assert list(incident.source_links.values_list("source__title", "note")) == [("QHA report", "as the demo loader passes it")]


def test_record_incident_unknown_row_key_is_a_programming_error(documenter):
    with pytest.raises(TypeError):
        record_incident(actor=documenter, fields=fields(), involvements=[{"person_name": "X", "role": role("victim")}])

    assert Incident.objects.count() == 0


# --- single steps --------------------------------------------------------------------------------------


def test_add_involvement_creates_a_new_party_or_nothing(documenter, draft):
    involvement = add_involvement(actor=documenter, incident=draft, role=role("witness"), new_person={"name": "Ayshe Seitova"})

    assert (involvement.person.protected, involvement.person.identity.full_name) == (True, "Ayshe Seitova")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        add_involvement(actor=documenter, incident=draft, role=role("perpetrator"), new_organization={"name": "12345"},
                        details="x" * 501)
    assert caught.value.message_dict == {"details": ["Details are at most 500 characters long."], "name": NO_LETTERS}
    assert counts() == before


def test_link_source_records_a_new_source(documenter, draft):
    link = link_source(actor=documenter, incident=draft, new_source={"title": "Post", "kind": factories.term("source_type", "post")},
                       note="the teacher's post")

    assert (link.source.title, link.note, link.incident) == ("Post", "the teacher's post", draft)


# --- edit_incident --------------------------------------------------------------------------------------


@pytest.fixture
def linked(documenter, draft):
    lawyer = factories.person(documenter, name="Emil Kurbedinov")
    involvement = add_involvement(actor=documenter, incident=draft, person=lawyer, role=role("lawyer"))
    link = link_source(actor=documenter, incident=draft, source=factories.source(documenter, title="QHA report"))
    return involvement, link


def test_edit_incident_removes_and_adds_rows_in_one_call(documenter, draft, linked):
    involvement, link = linked
    old_source, lawyer = link.source, involvement.person
    start = AuditEntry.objects.order_by("id").last().id

    edited = edit_incident(
        actor=documenter, incident=draft, fields={"title": "Threat of dismissal at school"}, tags=["school"],
        remove_involvements=[involvement], remove_sources=[link],
        add_involvements=[{"new_organization": {"name": "Zavuch"}, "role": role("employer")}],
        add_sources=[{"new_source": {"title": "Teacher's statement", "kind": factories.term("source_type", "statement")},
                      "note": "the threat in writing"}],
    )

    statement = Source.objects.get(title="Teacher's statement")
    assert (edited.pk, edited.title, edited.status) == (draft.pk, "Threat of dismissal at school", "draft")
    assert [(i.party.display_name, i.role.code) for i in edited.involvements.all()] == [("Zavuch", "employer")]
    assert list(edited.source_links.values_list("source__title", "note")) == [("Teacher's statement", "the threat in writing")]
    assert Source.objects.filter(pk=old_source.pk).exists()
    entries = [(e.action, e.object_type, e.changes) for e in AuditEntry.objects.filter(id__gt=start).order_by("id")]
    assert entries == [
        ("update", "incidents.incident", {"title": ["Draft about a threat", "Threat of dismissal at school"], "tags": [[], ["school"]]}),
        ("unlink", "incidents.incident", {"involvement": [{"party": lawyer.audit_repr, "person": lawyer.public_id, "role": "lawyer"}, None]}),
        ("unlink", "incidents.incident", {"source": [{"source": old_source.public_id, "title": "QHA report"}, None]}),
        ("create", "people.organization", entries[3][2]),
        ("link", "incidents.incident", {"involvement": [None, {"party": "Zavuch", "role": "employer", "perpetrator_type": None, "details": ""}]}),
        ("create", "incidents.source", entries[5][2]),
        ("link", "incidents.incident", {"source": [None, {"source": statement.public_id, "title": "Teacher's statement",
                                                          "note": "the threat in writing"}]}),
    ]


def test_edit_incident_row_error_undoes_the_update_and_the_removals(documenter, draft, linked):
    involvement, link = linked
    kept = (involvement.pk, link.pk)
    before = counts()

    with pytest.raises(RowErrors) as caught:
        edit_incident(
            actor=documenter, incident=draft, fields={"title": "Changed", "date_start": dt.date(2999, 1, 1)},
            remove_involvements=[involvement], remove_sources=[link],
            add_involvements=[{"new_organization": {"name": "Zavuch"}, "role": role("employer")},
                              {"new_person": {"name": "12345"}, "role": role("witness")}],
            add_sources=[{"new_source": {"title": "Post", "kind": factories.term("source_type", "post"),
                                         "published_on": dt.date(2999, 1, 1)}}],
        )

    assert caught.value.incident_error.message_dict == {"date_start": ["Date 2999-01-01 is in the future."]}
    assert {key: e.message_dict for key, e in caught.value.rows.items()} == {
        ("add_involvements", 1): {"name": NO_LETTERS},
        ("add_sources", 0): {"published_on": ["Date 2999-01-01 is in the future."]},
    }
    draft.refresh_from_db()
    assert draft.title == "Draft about a threat"
    assert (list(Involvement.objects.filter(incident=draft).values_list("pk", flat=True)),
            list(IncidentSource.objects.filter(incident=draft).values_list("pk", flat=True))) == ([kept[0]], [kept[1]])
    assert counts() == before


def test_edit_incident_refuses_rows_of_another_incident(documenter, draft, linked):
    other = factories.incident(documenter, title="Another incident")
    involvement, link = linked

    with pytest.raises(RowErrors) as caught:
        edit_incident(actor=documenter, incident=other, fields={}, remove_involvements=[involvement], remove_sources=[link])

    assert {key: e.message_dict for key, e in caught.value.rows.items()} == {
        ("remove_involvements", 0): {"involvement": ["This involvement is not part of the incident."]},
        ("remove_sources", 0): {"source": ["This source is not linked to the incident."]},
    }
    assert draft.involvements.count() == 1


# --- the form view and the API call the same use case ------------------------------------------------


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def written_since(start: int, incident: Incident) -> dict:
    """The incident, its rows and the audit entries written since ``start``, with what differs by
    nature between two recordings (reference, pseudonyms, ids) replaced by placeholders."""
    pseudonyms = [i.person.pseudonym for i in incident.involvements.select_related("person") if i.person_id and i.person.pseudonym]
    entries = AuditEntry.objects.filter(id__gt=start).exclude(object_type="accounts.user").order_by("id")
    text = json.dumps({
        "incident": snapshot(incident),
        "involvements": [
            {"role": i.role.code, "perpetrator_type": i.perpetrator_type.code if i.perpetrator_type_id else None, "details": i.details,
             "person": [i.person.identity.full_name, i.person.protected, i.person.display_name] if i.person_id else None,
             "organization": [i.organization.name, i.organization.kind.code if i.organization.kind_id else None] if i.organization_id else None}
            for i in incident.involvements.select_related("person__identity", "organization__kind", "role", "perpetrator_type").order_by("id")
        ],
        "sources": list(incident.source_links.order_by("id").values_list("source__title", "note")),
        "audit": [[e.action, e.object_type, e.object_id, e.object_repr, e.actor_label, e.changes] for e in entries],
    }, default=str, sort_keys=True)
    text = text.replace(incident.reference, "<reference>")
    for pseudonym in pseudonyms:
        text = text.replace(pseudonym, "<pseudonym>")
    return json.loads(UUID.sub("<uuid>", text))


def test_form_view_and_api_write_the_same_records_and_audit_entries(client, api, documenter):
    lawyer = factories.person(documenter, name="Emil Kurbedinov")
    source = factories.source(documenter, title="QHA report")
    login(client, documenter)

    start = AuditEntry.objects.order_by("id").last().id
    response = client.post("/incidents/new/", incident_data(
        legal_tags=["echr-10", "iccpr-25"], tags="Health, schools",
        **row("inv", 0, name="Ayder Umerov", role="victim"),
        **row("inv", 1, name="Bakhchysarai school No. 5", party_kind="organization", role="perpetrator",
                   perpetrator_type="school", details="dismissed three teachers"),
        **row("inv", 2, existing=str(lawyer.uuid), role="lawyer"),
        **row("src", 0, existing=str(source.uuid), note="names the school"),
    ))
    assert response.status_code == 302
    by_form = written_since(start, Incident.objects.get())

    start = AuditEntry.objects.order_by("id").last().id
    response = api(documenter).post("/api/v1/incidents/", {
        "title": "Teachers dismissed for not voting", "type": "dismissal", "date_start": "2018-03-20", "date_precision": "day",
        "confidence": "medium", "sensitivity": "internal", "legal_tags": ["echr-10", "iccpr-25"], "tags": ["Health", "schools"],
        "involvements": [
            {"role": "victim", "person_name": "Ayder Umerov"},
            {"role": "perpetrator", "organization_name": "Bakhchysarai school No. 5", "perpetrator_type": "school",
             "details": "dismissed three teachers"},
            {"role": "lawyer", "person": str(lawyer.uuid)},
        ],
        "sources": [{"source": str(source.uuid), "note": "names the school"}],
    }, format="json")
    assert response.status_code == 201, response.json()
    by_api = written_since(start, Incident.objects.get(reference=response.json()["reference"]))

    assert by_api == by_form
    assert [(action, kind) for action, kind, *_rest in by_form["audit"]] == [
        ("create", "incidents.incident"),
        ("create", "people.person"),
        ("link", "incidents.incident"),
        ("create", "people.organization"),
        ("link", "incidents.incident"),
        ("link", "incidents.incident"),
        ("link", "incidents.incident"),
    ]
    assert by_form["involvements"][0]["person"] == ["Ayder Umerov", True, "<pseudonym>"]
    assert by_form["incident"]["tags"] == ["health", "schools"]
    assert (Incident.objects.count(), Person.objects.count(), Organization.objects.count()) == (2, 3, 2)


def test_form_view_puts_each_error_on_its_own_row_and_writes_nothing(client, documenter):
    login(client, documenter)
    before = counts()

    # Row 0 is left empty: the service's second row is the form's row 2.
    response = client.post("/incidents/new/", incident_data(
        date_start="2999-01-01",
        **row("inv", 1, name="Ayder Umerov", role="victim"),
        **row("inv", 2, name="12345", party_kind="organization", role="perpetrator"),
        **row("src", 1, title="A source", kind="article", published_on="2999-01-01"),
    ))

    assert response.status_code == 400
    assert response.context["form"].errors == {"date_start": ["Date 2999-01-01 is in the future."]}
    assert [row.errors for row in response.context["involvement_rows"]] == [{}, {}, {"name": NO_LETTERS}]
    assert [row.errors for row in response.context["source_rows"]] == [{}, {"published_on": ["Date 2999-01-01 is in the future."]}]
    assert "Nothing was saved." in response.content.decode()
    assert counts() == before


def test_api_reports_every_bad_row_in_the_public_shape(api, documenter):
    before = counts()

    response = api(documenter).post("/api/v1/incidents/", {
        "title": "Teachers dismissed for not voting", "type": "dismissal", "date_start": "2999-01-01",
        "involvements": [
            {"role": "victim", "person_name": "12345"},
            {"role": "victim", "person_name": "Ayder Umerov"},
            {"role": "perpetrator", "organization_name": "67890"},
        ],
    }, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "date_start": ["Date 2999-01-01 is in the future."],
        "involvements": {"0": {"name": NO_LETTERS}, "2": {"name": NO_LETTERS}},
    }
    assert counts() == before


def test_api_adds_an_involvement_with_a_new_person_or_nothing(api, documenter, draft):
    url = f"/api/v1/incidents/{draft.reference}/involvements/"

    created = api(documenter).post(url, {"role": "witness", "person_name": "Ayshe Seitova"}, format="json")
    failed = api(documenter).post(url, {"role": "witness", "person_name": "12345"}, format="json")

    assert created.status_code == 201
    assert created.json()["party_name"] == Person.objects.get().pseudonym
    assert (failed.status_code, failed.json()) == (400, {"name": NO_LETTERS})
    assert draft.involvements.count() == 1


# --- people: an organization's change and its new names are one use case -----------------------------------


def test_update_organization_with_names_is_all_or_nothing(api, documenter):
    organization = factories.organization(documenter, name="Election Commission of Crimea")
    url = f"/api/v1/organizations/{organization.uuid}/"
    entries = AuditEntry.objects.count()

    failed = api(documenter).patch(url, {"description": "Runs the vote", "names": [{"name": "ЦИК Крыма", "lang": "ru"},
                                                                                    {"name": "12345"}]}, format="json")

    assert failed.status_code == 400
    organization.refresh_from_db()
    assert (organization.description, organization.names.count(), AuditEntry.objects.count()) == ("", 1, entries)

    changed = update_organization(actor=documenter, organization=organization, fields={"description": "Runs the vote"},
                                  names=[{"name": "ЦИК Крыма", "lang": "ru"}])

    assert sorted(changed.names.values_list("name", flat=True)) == ["Election Commission of Crimea", "ЦИК Крыма"]
    assert [(e.action, e.changes) for e in AuditEntry.objects.filter(object_id=organization.public_id).order_by("id")][1:] == [
        ("update", {"description": ["", "Runs the vote"]}),
        ("update", {"names": [None, {"name": "ЦИК Крыма", "lang": "ru", "kind": "official"}]}),
    ]
