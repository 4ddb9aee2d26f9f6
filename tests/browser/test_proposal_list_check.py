"""Flow: the Aksyonov case of issue 13. With the demo's EU 269/2014 list loaded, the proposal page
warns that the member may already be listed (list, record, date), and signing off asks the
coordinator to confirm that the matches were checked: the browser asks first, the service refuses too."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.sanctions import services as proposals
from svidok.sanctions.demo import load_demo_list
from svidok.sanctions.matching import warm
from svidok.sanctions.models import Proposal
from tests import factories
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user
from tests.sanctions import proposal_world

pytestmark = pytest.mark.browser


def test_aksyonov_proposal_warns_and_sign_off_asks_to_confirm(page, console_errors, vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    world = proposal_world.build(coordinator, make_user(Role.DOCUMENTER, "documenter"))
    load_demo_list()
    aksyonov = factories.person(coordinator, name="Sergey Aksyonov")
    proposal = proposals.create_proposal(actor=coordinator, title="Crimea 2014")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=aksyonov)
    proposals.set_grounds(actor=coordinator, member=member, grounds="Elected 'Prime Minister of Crimea' under armed guard.",
                          sources=[world.appointment])
    proposals.send_for_review(actor=coordinator, proposal=proposal)
    proposals.review_member(actor=coordinator, member=member, note="Checked.")
    # The indexes made ready as a server does at start (svidok/wsgi.py): built inside the page's
    # request, the list's index took more than the page's 10 s on a machine busy with two test workers.
    warm()
    sign_in(page, world.verifier.username)  # four eyes: who reviewed the member does not sign off

    page.goto(f"/people/proposals/{proposal.uuid}/")

    warning = page.locator("#list-matches")
    expect(warning.get_by_role("heading")).to_have_text("Possibly already on a reference list")
    expect(warning).to_contain_text("Sergey Aksyonov: possible match (name only):")
    expect(warning).to_contain_text("EU Regulation 269/2014, Annex I, record I.PERSONS/1, listed since 2014-03-17")
    confirm = page.get_by_role("checkbox", name="I have checked the possible matches on reference lists (above).")
    warning.scroll_into_view_if_needed()
    shot(page, "proposal-list-warning.png", full_page=False)

    page.get_by_role("button", name="Sign off").click()  # the browser asks for the tick first
    assert confirm.evaluate("box => box.validity.valueMissing") is True
    expect(page.get_by_role("status")).to_have_count(0)

    confirm.evaluate("box => box.removeAttribute('required')")  # without the browser's check: the service refuses
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("alert")).to_contain_text("Possibly already on a reference list: Sergey Aksyonov.")
    assert Proposal.objects.get(pk=proposal.pk).status == "in_review"

    page.get_by_role("checkbox", name="I have checked the possible matches on reference lists (above).").check()
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("status")).to_have_text("Proposal signed off.")
    assert Proposal.objects.get(pk=proposal.pk).status == "signed_off"
    # The one refusal above answers 400, which Chromium logs; nothing else went wrong.
    assert [e for e in console_errors if not ("status of 400" in e and e.endswith("/sign-off/)"))] == []
    assert len(console_errors) == 1
