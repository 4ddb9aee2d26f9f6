"""Cases and external counsel (docs/permissions.md, rules 12 and 13): a coordinator gathers
incidents in a case and shares it; counsel sees those incidents and their evidence and nothing
else; a restricted incident is seen by the users named on it. Every change is audited."""

import io

import pytest
from django.urls import reverse

from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.evidence import services as evidence
from svidok.evidence.models import EvidenceItem
from svidok.incidents import cases
from svidok.incidents.services import submit_incident, verify_incident
from tests import factories
from tests.helpers import login, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vault(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "evidence")}}}


def verified_incident(author, lead, title, **fields):
    incident = factories.incident(author, title=title, **fields)
    submit_incident(actor=author, incident=incident)
    verify_incident(actor=lead, incident=incident)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def people(documenter, coordinator):
    return {"documenter": documenter, "coordinator": coordinator,
            "counsel": make_user(Role.COUNSEL, "counsel"), "analyst": make_user(Role.ANALYST, "analyst-x")}


@pytest.fixture
def shared(people):
    """A case with one verified incident (and an evidence file), shared with counsel; another
    verified incident outside the case."""
    lead, author = people["coordinator"], people["documenter"]
    inside = verified_incident(author, lead, "Teachers dismissed")
    outside = verified_incident(author, lead, "Doctors threatened")
    item = evidence.add_item(actor=author, file=io.BytesIO(b"order 17"), name="order.txt", incident=inside,
                             method=EvidenceItem.Method.UPLOAD)
    case = cases.create_case(actor=lead, name="ECHR application", description="Dismissals in Crimea")
    cases.add_incident(actor=lead, case=case, reference=inside.reference)
    cases.share_case(actor=lead, case=case, username="counsel")
    return case, inside, outside, item


def test_counsel_sees_the_cases_incidents_and_their_evidence_only(client, people, shared):
    case, inside, outside, item = shared
    login(client, people["counsel"])

    page = client.get(reverse("incidents:detail", args=[inside.reference]))
    assert page.status_code == 200
    assert "Recorded by" not in page.content.decode()  # documenters are not named to outsiders
    assert client.get(reverse("incidents:detail", args=[outside.reference])).status_code == 404
    listing = client.get(reverse("incidents:list")).content.decode()
    assert inside.reference in listing and outside.reference not in listing
    assert client.get(reverse("incidents:case_detail", args=[case.uuid])).status_code == 200
    assert client.get(reverse("evidence:item", args=[item.uuid])).status_code == 200
    # Nothing else of the registry.
    for name in ("people:person_list", "people:organization_list", "incidents:source_list", "incidents:place_list",
                 "incidents:election_list", "incidents:intervention_list", "sanctions:proposal_list"):
        assert client.get(reverse(name)).status_code == 403, name
    page = client.get(reverse("incidents:list")).content.decode()
    assert reverse("people:person_list") not in page and reverse("incidents:case_list") in page


def test_stopping_the_share_hides_everything_at_once(client, people, shared):
    case, inside, _outside, item = shared
    login(client, people["counsel"])
    assert client.get(reverse("incidents:detail", args=[inside.reference])).status_code == 200

    cases.unshare_case(actor=people["coordinator"], case=case, user=people["counsel"])

    assert client.get(reverse("incidents:detail", args=[inside.reference])).status_code == 404
    assert client.get(reverse("incidents:case_detail", args=[case.uuid])).status_code == 404
    assert client.get(reverse("evidence:item", args=[item.uuid])).status_code == 404


def test_counsel_may_not_change_a_case(client, people, shared):
    case, _inside, outside, _item = shared
    login(client, people["counsel"])
    response = client.post(reverse("incidents:case_add_incident", args=[case.uuid]), {"reference": outside.reference})
    assert response.status_code == 403
    assert client.get(reverse("incidents:case_create")).status_code == 403
    assert list(case.incidents.values_list("reference", flat=True)) == [shared[1].reference]


def test_a_case_shared_with_an_analyst_shows_only_what_the_analyst_sees(people, shared):
    case, inside, _outside, _item = shared
    lead = people["coordinator"]
    hidden = factories.incident(people["documenter"], title="Restricted detention", sensitivity="restricted")
    submit_incident(actor=people["documenter"], incident=hidden)
    cases.add_incident(actor=lead, case=case, reference=hidden.reference)
    cases.share_case(actor=lead, case=case, username="analyst-x")
    analyst = people["analyst"]

    assert list(cases.visible_cases(analyst)) == [case]
    from svidok.incidents.queries import visible_incidents
    assert set(visible_incidents(analyst).filter(cases=case).values_list("reference", flat=True)) == {inside.reference}

    cases.grant_access(actor=lead, incident=hidden, username="analyst-x")  # rule 12

    assert set(visible_incidents(analyst).filter(cases=case).values_list("reference", flat=True)) == {inside.reference, hidden.reference}


def test_coordinator_builds_a_case_in_the_browserless_ui(client, people, shared):
    _case, _inside, outside, _item = shared
    login(client, people["coordinator"])
    response = client.post(reverse("incidents:case_create"), {"name": "Criminal complaint", "description": ""})
    new = cases.visible_cases(people["coordinator"]).get(name="Criminal complaint")
    assert response.status_code == 302 and response["Location"] == reverse("incidents:case_detail", args=[new.uuid])

    bad = client.post(reverse("incidents:case_add_incident", args=[new.uuid]), {"reference": "SV-2018-999999"})
    assert bad.status_code == 400
    assert "No incident with this reference." in bad.content.decode()
    nobody = client.post(reverse("incidents:case_share", args=[new.uuid]), {"user": "no-such-account"})
    assert nobody.status_code == 400
    assert "There is no active account with this username." in nobody.content.decode()
    assert new.incidents.count() == 0 and new.shares.count() == 0

    client.post(reverse("incidents:case_add_incident", args=[new.uuid]), {"reference": outside.reference.lower()})
    client.post(reverse("incidents:case_share", args=[new.uuid]), {"user": "counsel"})
    page = client.get(reverse("incidents:case_detail", args=[new.uuid])).content.decode()
    assert outside.reference in page and "counsel" in page
    assert list(new.incidents.all()) == [outside]


def test_case_changes_and_named_access_are_audited(people, shared):
    case, inside, _outside, _item = shared
    entries = AuditEntry.objects.filter(object_type="incidents.case", object_id=case.public_id).order_by("id")
    assert [(e.action, sorted(e.changes)) for e in entries] == [
        ("create", ["name"]), ("link", ["incident"]), ("link", ["shared_with"])]
    restricted = factories.incident(people["coordinator"], title="Search of a home", sensitivity="restricted")
    cases.grant_access(actor=people["coordinator"], incident=restricted, username="analyst-x")
    cases.revoke_access(actor=people["coordinator"], incident=restricted, user=people["analyst"])
    changes = list(AuditEntry.objects.filter(object_id=restricted.public_id, action__in=["link", "unlink"])
                   .order_by("id").values_list("action", "changes"))
    assert changes == [("link", {"named_access": [None, "analyst-x"]}), ("unlink", {"named_access": ["analyst-x", None]})]


def test_named_access_is_managed_on_the_restricted_incidents_page(client, people):
    lead = people["coordinator"]
    restricted = factories.incident(lead, title="Search of a home", sensitivity="restricted")
    submit_incident(actor=lead, incident=restricted)
    page_url = reverse("incidents:detail", args=[restricted.reference])
    login(client, lead)
    assert "Who else may see this restricted incident" in client.get(page_url).content.decode()
    client.post(reverse("incidents:access", args=[restricted.reference]), {"user": "analyst-x"})

    analyst_client = client.__class__()
    login(analyst_client, people["analyst"])
    page = analyst_client.get(page_url)
    assert page.status_code == 200
    assert "Who else may see" not in page.content.decode()  # the analyst sees it, but may not name others
    assert analyst_client.post(reverse("incidents:access", args=[restricted.reference]), {"user": "counsel"}).status_code == 403

    client.post(reverse("incidents:access", args=[restricted.reference]), {"user": "analyst-x", "remove": "1"})
    assert analyst_client.get(page_url).status_code == 404


def test_a_case_name_with_control_characters_is_refused(people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        cases.create_case(actor=people["coordinator"], name="ECHR\x00 application")
    assert "name" in error.value.message_dict
    assert not cases.visible_cases(people["coordinator"]).exists()
