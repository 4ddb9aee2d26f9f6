"""Typed text holds no control characters (issue 10, "Bad input").

The finding: NUL and control characters were accepted in titles and names, and then broke the XLSX
export. One-line text (titles, names) refuses every C0 and C1 control and lone surrogates; long
text (narratives, notes, descriptions) keeps tab, newline and carriage return.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from svidok.common.validation import check_text
from svidok.incidents.models import Incident
from svidok.incidents.services import record_incident, record_source
from svidok.people.models import Person
from svidok.people.services import record_organization, record_person
from svidok.sanctions import services as proposals
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("char", "code"), [("\x00", "0000"), ("\x1b", "001B"), ("\x7f", "007F"), ("\x85", "0085"), ("\ud800", "D800")])
def test_check_text_refuses_controls_and_surrogates_naming_code_and_position(char, code):
    with pytest.raises(ValidationError) as caught:
        check_text("title", f"ab{char}c", long=True)

    assert caught.value.message_dict == {"title": [f"Invisible control character U+{code} at character 3; remove it."]}


def test_check_text_long_text_keeps_tabs_and_line_breaks_one_line_text_does_not():
    check_text("narrative", "First line.\r\n\tSecond line.", long=True)

    with pytest.raises(ValidationError) as caught:
        check_text("title", "First line.\nSecond line.")

    assert caught.value.message_dict == {"title": ["Line breaks and tabs are not allowed here (character 12); write it on one line."]}


def test_record_incident_refuses_nul_in_title_and_escape_in_narrative(documenter):
    with pytest.raises(ValidationError) as caught:
        factories.incident(documenter, title="Teacher\x00dismissed", narrative="Told to vote.\n\x1b[31mred")

    assert caught.value.message_dict == {
        "title": ["Invisible control character U+0000 at character 8; remove it."],
        "narrative": ["Invisible control character U+001B at character 15; remove it."],
    }
    assert Incident.objects.count() == 0


def test_record_incident_keeps_line_breaks_in_the_narrative(documenter):
    incident = factories.incident(documenter, narrative="Told to vote.\n\nDismissed\ta week later.")

    assert incident.narrative == "Told to vote.\n\nDismissed\ta week later."


def test_record_person_refuses_a_control_character_in_the_name_and_contacts(documenter):
    with pytest.raises(ValidationError) as caught:
        record_person(actor=documenter, name="Mykola\x00 Petrenko")
    with pytest.raises(ValidationError) as in_contacts:
        record_person(actor=documenter, name="Mykola Petrenko", protected=True, identity={"contacts": "+380\x0700"})

    assert caught.value.message_dict == {"name": ["Invisible control character U+0000 at character 7; remove it."]}
    assert in_contacts.value.message_dict == {"contacts": ["Invisible control character U+0007 at character 5; remove it."]}
    assert Person.objects.count() == 0


def test_organization_source_and_tag_refuse_control_characters(documenter):
    with pytest.raises(ValidationError) as organization:
        record_organization(actor=documenter, name="Commission\x1f of Crimea")
    with pytest.raises(ValidationError) as source:
        record_source(actor=documenter, fields={"title": "QHA", "kind": factories.term("source_type", "article"),
                                                "publisher": "QHA\x9b", "published_on": dt.date(2018, 3, 20)})
    with pytest.raises(ValidationError) as tag:
        record_incident(actor=documenter, fields={"title": "Teacher dismissed", "type": factories.term("incident_type", "dismissal"),
                                                  "date_start": dt.date(2018, 3, 20)}, tags=["crimea\x00"])

    assert list(organization.value.message_dict) == ["name"]
    assert list(source.value.message_dict) == ["publisher"]
    assert list(tag.value.message_dict) == ["tags"]


def test_proposal_title_refuses_nul(coordinator):
    with pytest.raises(ValidationError) as caught:
        proposals.create_proposal(actor=coordinator, title="Organizers\x00 of the vote")

    assert caught.value.message_dict == {"title": ["Invisible control character U+0000 at character 11; remove it."]}


def test_api_refuses_an_escape_character_in_the_title(api, documenter):
    from tests.incidents.test_api import URL, payload

    response = api(documenter).post(URL, payload(title="Nurse\x1b dismissed"), format="json")

    assert response.status_code == 400
    assert response.json()["title"] == ["Invisible control character U+001B at character 6; remove it."]
    assert Incident.objects.count() == 0


def test_importer_refuses_a_bell_in_a_title_with_its_line(tmp_path, capsys):
    path = tmp_path / "incidents.csv"
    path.write_text("title,type,date_start\nTeacher\x07 dismissed,dismissal,2018-03-20\n", encoding="utf-8")

    with pytest.raises(Exception) as caught:
        call_command("import", str(path), "--no-progress")

    assert "line 2: title: Invisible control character U+0007 at character 8; remove it." in str(caught.value) + "".join(capsys.readouterr())
    assert Incident.objects.count() == 0


def test_evidence_description_and_listing_act_refuse_control_characters(documenter, coordinator):
    import io

    from svidok.evidence.models import EvidenceItem
    from svidok.evidence.services import add_item

    with pytest.raises(ValidationError) as evidence:
        add_item(actor=documenter, file=io.BytesIO(b"photo"), name="photo.jpg", description="Taken at\x00 the school",
                 method=EvidenceItem.Method.COMMAND)
    organization = factories.organization(coordinator)
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers of the vote")
    member = proposals.add_member(actor=coordinator, proposal=proposal, organization=organization)
    with pytest.raises(ValidationError) as listing:
        proposals.record_listing(actor=coordinator, member=member, jurisdiction="eu", status="proposed", legal_act="Regulation\x1b 2018/705")

    assert evidence.value.message_dict == {"description": ["Invisible control character U+0000 at character 9; remove it."]}
    assert EvidenceItem.objects.count() == 0
    assert listing.value.message_dict == {"legal_act": ["Invisible control character U+001B at character 11; remove it."]}
