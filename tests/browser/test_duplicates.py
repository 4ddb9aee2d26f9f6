"""Flow: a coordinator reviews the duplicates the finder proposed, links a pair, then undoes it."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.people import duplicates
from svidok.people.models import PairJudgement, Person
from tests import factories
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_coordinator_links_a_proposed_pair_and_undoes_it(page, console_errors, vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    older = factories.person(coordinator, "Inna Guzeeva")
    newer = factories.person(coordinator, "Інна Миколаївна Гузєєва")
    duplicates.run_finder(actor=coordinator)
    sign_in(page, "coordinator")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Persons").click()
    page.get_by_role("link", name="Possible duplicates").click()
    pair = page.get_by_role("article", name="Inna Guzeeva ⇄ Інна Миколаївна Гузєєва")
    expect(pair.get_by_role("region", name="Інна Миколаївна Гузєєва")).to_contain_text("Інна Миколаївна Гузєєва Cyrillic · official")
    pair.get_by_role("textbox", name="Note (optional)").fill("Same commission post in the same years")
    shot(page, "duplicates.png", full_page=False)
    pair.get_by_role("button", name="Same person").click()

    expect(page.get_by_role("status")).to_have_text("Linked: Інна Миколаївна Гузєєва is now shown as Inna Guzeeva.")
    expect(page.get_by_text("No pair waits for a verdict.")).to_be_visible()
    assert Person.objects.get(pk=newer.pk).merged_into_id == older.pk

    page.get_by_role("link", name="Persons").first.click()
    expect(page.get_by_role("link", name="Інна Миколаївна Гузєєва")).to_have_count(0)  # shown on its canonical page
    page.get_by_role("link", name="Inna Guzeeva").click()
    expect(page.get_by_role("heading", name="Also recorded as")).to_be_visible()
    page.get_by_role("link", name="verdict of").click()

    page.get_by_role("button", name="Undo the verdict on Inna Guzeeva and Інна Миколаївна Гузєєва").click()

    expect(page.get_by_role("status")).to_have_text("Verdict undone.")
    assert (Person.objects.get(pk=newer.pk).merged_into_id, PairJudgement.objects.get().undone_by) == (None, coordinator)
    assert console_errors == []
