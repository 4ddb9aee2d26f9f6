import pytest

from svidok.incidents.services import add_involvement, link_source
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def documented(documenter, coordinator, verified):
    victim = factories.person(documenter, name="Rustem Aliev", protected=True)
    lawyer = factories.person(documenter, name="Emil Kurbedinov")
    commission = factories.organization(documenter)
    add_involvement(actor=coordinator, incident=verified, person=victim, role=factories.term("involvement_role", "victim"),
                    details="dismissed as teacher")
    add_involvement(actor=coordinator, incident=verified, person=lawyer, role=factories.term("involvement_role", "lawyer"))
    add_involvement(actor=coordinator, incident=verified, organization=commission, role=factories.term("involvement_role", "perpetrator"),
                    perpetrator_type=factories.term("perpetrator_type", "election_commission"))
    source = factories.source(documenter, title="QHA report", publisher="QHA", reliability="B", credibility=2)
    link_source(actor=coordinator, incident=verified, source=source, note="reports the dismissals")
    return {"victim": victim, "lawyer": lawyer, "commission": commission, "source": source, "incident": verified}


def test_detail_shows_involvements_sources_and_history_to_viewer(client, viewer, documented):
    login(client, viewer)

    response = client.get(f"/incidents/{documented['incident'].reference}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert documented["victim"].pseudonym in body
    assert "Rustem Aliev" not in body
    assert "Emil Kurbedinov" in body
    assert "Election Commission of the Republic of Crimea" in body
    assert "QHA report" in body and '<span class="grading" title="Reliability and credibility">B2</span>' in body
    assert "Change history" in body
    assert [e.action for e in response.context["history"]] == ["create", "status", "status", "link", "link", "link", "link"]
    assert ">Edit</a>" not in body
    assert "Submit for review" not in body
    assert ">Verify</button>" not in body


def test_detail_shows_no_protected_real_name_even_to_coordinator(client, coordinator, documented):
    """Rule 6: the identity is revealed on the person's page, with a reason, never on a page load."""
    login(client, coordinator)

    response = client.get(f"/incidents/{documented['incident'].reference}/")

    assert "Rustem Aliev" not in response.content.decode()


def test_detail_hides_protected_real_name_from_documenter(client, documenter, documented):
    login(client, documenter)

    response = client.get(f"/incidents/{documented['incident'].reference}/")

    assert "Rustem Aliev" not in response.content.decode()


def test_detail_of_own_draft_has_edit_and_submit(client, documenter, draft):
    login(client, documenter)

    response = client.get(f"/incidents/{draft.reference}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="/incidents/{draft.reference}/edit/">Edit</a>' in body
    assert ">Submit for review</button>" in body


def test_detail_of_others_draft_is_404_for_documenter(client, other_documenter, draft):
    login(client, other_documenter)

    assert client.get(f"/incidents/{draft.reference}/").status_code == 404


def test_detail_of_draft_is_404_for_viewer(client, viewer, draft):
    login(client, viewer)

    assert client.get(f"/incidents/{draft.reference}/").status_code == 404


def test_detail_of_unknown_reference_is_404(client, coordinator):
    login(client, coordinator)

    assert client.get("/incidents/SV-2018-999999/").status_code == 404


def test_detail_links_duplicate_to_original(client, coordinator, documenter, verified):
    from svidok.incidents.services import mark_duplicate, submit_incident

    copy = factories.incident(documenter, title="Same dismissal again")
    submit_incident(actor=documenter, incident=copy)
    mark_duplicate(actor=coordinator, incident=copy, original=verified, reason="same teacher")
    login(client, coordinator)

    copy_page = client.get(f"/incidents/{copy.reference}/").content.decode()
    original_page = client.get(f"/incidents/{verified.reference}/").content.decode()

    assert f'Duplicate of <a href="/incidents/{verified.reference}/">' in copy_page
    assert f'<a href="/incidents/{copy.reference}/">{copy.reference}</a>' in original_page
