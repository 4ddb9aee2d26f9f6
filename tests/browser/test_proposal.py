"""Flow: a coordinator builds a sanctions proposal, sets a member's grounds, reviews, signs off, downloads the dossier."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.sanctions.models import Proposal
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user
from tests.sanctions import proposal_world

pytestmark = pytest.mark.browser


def test_coordinator_builds_signs_off_and_exports_a_proposal(page, console_errors, vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    world = proposal_world.build(coordinator, make_user(Role.DOCUMENTER, "documenter"))
    sign_in(page, "coordinator")
    # The pages and messages name the chair by the English variant: the browser reads English.

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    page.get_by_role("link", name="New proposal").click()
    page.get_by_role("textbox", name="Title").fill("Organizers of the 2018 election in occupied Crimea")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Proposal created.")

    page.get_by_role("textbox", name="Person or organization").fill(str(world.chair.uuid))
    page.get_by_role("button", name="Add to the proposal").click()
    expect(page.get_by_role("status")).to_have_text("Mikhail Grigorievich MALYSHEV added. Now set the grounds.")
    grounds = page.get_by_role("group", name="Set the grounds")
    grounds.get_by_role("textbox", name="Statement of reasons").fill("Chaired the commission that organised the vote.")
    grounds.get_by_role("checkbox", name="Chair, Избирательная комиссия Республики Крым (2014-09-01 – )").check()
    grounds.get_by_role("checkbox", name=f"{world.ordered.reference} · Teachers ordered to vote (2018-03-20)").check()
    grounds.get_by_role("button", name="Save grounds").click()
    expect(page.get_by_role("status")).to_have_text("Grounds saved.")
    shot(page, "proposal-grounds.png", full_page=False)

    page.get_by_role("link", name="Organizers of the 2018 election in occupied Crimea").click()
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("status")).to_have_text("Sent for review.")
    page.get_by_role("link", name="Mikhail Grigorievich MALYSHEV").click()
    page.get_by_role("textbox", name="Review note (optional)").fill("Checked against the decision.")
    page.get_by_role("button", name="Mark grounds as reviewed").click()
    expect(page.get_by_role("status")).to_have_text("Mikhail Grigorievich MALYSHEV reviewed.")
    # Four eyes: who reviewed a member does not sign the proposal off; another coordinator does.
    proposal_url = page.url.split("members/")[0]
    page.goto(proposal_url)
    expect(page.get_by_role("button", name="Sign off")).to_be_disabled()
    expect(page.locator("#sign-refusal")).to_have_text(
        "You reviewed Mikhail Grigorievich MALYSHEV, so another coordinator signs the proposal off: "
        "a second pair of eyes checks every proposal.")
    page.locator("#sign-refusal").scroll_into_view_if_needed()
    shot(page, "proposal-sign-off-refused.png", full_page=False)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, world.verifier.username)
    page.goto(proposal_url)
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("status")).to_have_text("Proposal signed off.")

    with page.expect_download() as download:
        page.get_by_role("link", name="Dossier (PDF)").click()

    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF-")
    names = [(m.person or m.organization).display_name for m in Proposal.objects.get().members.order_by("order", "id")]
    who = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
    assert download.value.suggested_filename == f"Sanctions proposal – {who} – {timezone.localdate().isoformat()}.pdf"
    assert Proposal.objects.get().status == "signed_off"
    assert console_errors == []
