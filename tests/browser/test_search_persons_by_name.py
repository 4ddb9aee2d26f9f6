"""Flow: two letters typed in the search box list the persons whose names match, by name, as an
analyst sees them (pseudonyms only) and as a coordinator does (also a protected person found by a
real name), on a desktop and on a phone. The first persons come from the search index in name
order (``people.search_index.find_persons``); what the page shows must be what every match sorted
by name gives."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role, User
from svidok.people.models import Person
from svidok.people.search_index import matching_persons
from tests import factories
from tests.browser.conftest import phone_context, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

# Names chosen so that code-point order is not the alphabet's (Є and І before А, Latin before
# Cyrillic) and so that several share their first three letters (one rank: sorted by the database).
NAMES = ["Іван Шевчук", "Андрій Іваненко", "Ivan Shevchuk", "Іваненко Ольга", "Іваненко Андрій", "Іванів Петро",
         "Ярослав Ів", "Євген Іванишин", "Ніна Лисенко"]


def persons_shown(page) -> list[str]:
    section = page.locator("section").filter(has=page.get_by_role("heading", name="Persons", exact=True))
    return section.get_by_role("link").all_inner_texts()


def search(page, words: str) -> None:
    page.get_by_role("searchbox", name="Search all records").fill(words)
    page.get_by_role("searchbox", name="Search all records").press("Enter")
    expect(page.get_by_role("heading", name="Persons", exact=True)).to_be_visible()


@pytest.fixture
def registry(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.ANALYST, "analyst")
    for name in NAMES:
        factories.person(coordinator, name)
    factories.person(coordinator, "Іван Гордієнко", protected=True, pseudonym="Person IVAN7")


def every_match_by_name(username: str, words: str) -> list[str]:
    """What the page must show: every match sorted by name by the database (the order before)."""
    user = User.objects.get(username=username)
    return [p.display_name for p in Person.objects.filter(matching_persons(user, words)).order_by("display_name", "id")]


def test_two_letters_list_the_matching_persons_by_name_for_each_role(page, browser, live_server, console_errors, registry):
    expected = every_match_by_name("analyst", "Ів")
    # Code-point order, not the alphabet's: Latin first, then Є and І before А.
    assert len(expected) >= 8 and "Ніна Лисенко" not in expected
    assert expected.index("Ivan Shevchuk") < expected.index("Євген Іванишин") < expected.index("Іван Шевчук") < expected.index("Андрій Іваненко")

    sign_in(page, "analyst")
    search(page, "Ів")
    assert persons_shown(page) == expected
    shot(page, "search-two-letters-analyst.png", full_page=False)

    context = phone_context(browser, live_server)
    phone = watch(context.new_page(), console_errors)
    sign_in(phone, "coordinator")
    search(phone, "Гордієнко")
    # A coordinator also finds the protected person by the real name, shown by the pseudonym.
    assert persons_shown(phone) == ["Person IVAN7"]
    search(phone, "Ів")
    assert persons_shown(phone) == every_match_by_name("coordinator", "Ів")
    shot(phone, "search-two-letters-coordinator-phone.png", full_page=False)
    context.close()
    assert console_errors == []
