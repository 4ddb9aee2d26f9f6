"""Flow: a coordinator ticks incidents on the list and tags them at once; ticks three to verify and
reads the confirmation page, where the one they recorded stands apart, then verifies the other two;
exports the list's filter as a file named by what it holds and the day (issue 13, item 5)."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from tests import factories
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def incidents(vocabularies):
    lead = make_user(Role.COORDINATOR, "coordinator")
    documenter = make_user(Role.DOCUMENTER, "documenter")
    made = [
        factories.incident(documenter, title="Teachers told to vote at school", sensitivity="internal"),
        factories.incident(documenter, title="Doctors threatened with dismissal", sensitivity="internal", date=dt.date(2018, 3, 21)),
        factories.incident(lead, title="Commission member searched at home", sensitivity="internal", date=dt.date(2018, 3, 22)),
    ]
    for incident in made:
        submit_incident(actor=incident.created_by, incident=incident)
    return made


def test_tag_two_then_verify_through_the_confirmation_page_then_export(page, console_errors, incidents):
    teachers, doctors, searched = incidents
    sign_in(page, "coordinator")
    page.goto("/incidents/")

    bulk = page.get_by_role("group", name="With several incidents at once")
    page.get_by_role("checkbox", name=f"Select {teachers.reference}").check()
    page.get_by_role("checkbox", name=f"Select {doctors.reference}").check()
    bulk.get_by_label("Action").select_option(label="Add a tag")
    bulk.get_by_label("Tag").fill("public sector")
    shot(page, "bulk-tag.png", full_page=False)
    bulk.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("status")).to_have_text("Tag “public sector” added to 2 incidents.")
    assert sorted(Incident.objects.filter(tags__name="public sector").values_list("title", flat=True)) == [
        "Doctors threatened with dismissal", "Teachers told to vote at school"]

    bulk = page.get_by_role("group", name="With several incidents at once")
    bulk.get_by_role("radio", name="every incident on this page").check()
    bulk.get_by_label("Action").select_option(label="Verify (you will confirm)")
    bulk.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verify several incidents")
    to_verify = page.get_by_role("region", name="You are about to verify 2 incidents")
    expect(to_verify.get_by_role("row")).to_have_count(3)  # the header and two incidents
    expect(to_verify).to_contain_text("Teachers told to vote at school")
    own = page.get_by_role("region", name="You cannot verify these: you recorded them")
    expect(own).to_contain_text("Commission member searched at home")
    assert set(Incident.objects.values_list("status", flat=True)) == {"submitted"}
    shot(page, "bulk-verify-confirm.png", full_page=False)
    to_verify.get_by_role("button", name="Verify these 2 incidents").click()
    expect(page.get_by_role("status")).to_have_text("2 incidents verified.")
    assert dict(Incident.objects.values_list("title", "status")) == {
        "Teachers told to vote at school": "verified", "Doctors threatened with dismissal": "verified",
        "Commission member searched at home": "submitted"}

    page.goto("/incidents/?status=verified")
    page.get_by_role("link", name="Export these incidents").click()
    expect(page.get_by_text("2 incidents matching the filters of the list")).to_be_visible()
    page.get_by_role("radio", name="CSV table").check()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download").click()
    download = downloading.value
    assert download.suggested_filename == f"Incidents – {timezone.localdate().isoformat()}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert sorted((r["title"], r["status"], r["tags"]) for r in rows) == [
        ("Doctors threatened with dismissal", "verified", "public sector"),
        ("Teachers told to vote at school", "verified", "public sector")]
    assert AuditEntry.objects.filter(action="export").count() == 1
    assert console_errors == []
