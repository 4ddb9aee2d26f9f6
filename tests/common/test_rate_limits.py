"""Search and export are limited per user: over the limit, 429 with a sentence, never a 500.

The counters are real (the database cache of the settings); the limits are lowered for the test.
"""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from svidok.sanctions import services as proposals
from tests.helpers import login, make_user, var_dir_with_database

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_limits(settings):
    settings.SVIDOK_RATE_LIMITS = {"search": "2/m", "export": "2/h"}


def statuses(request, times: int = 3) -> list[int]:
    return [request().status_code for _ in range(times)]


def test_the_search_page_answers_429_over_the_limit_with_a_page_saying_why(client, analyst):
    login(client, analyst)
    url = reverse("search:search") + "?q=Teacher"

    assert statuses(lambda: client.get(url)) == [200, 200, 429]
    page = client.get(url).content.decode()
    assert "<h1>Too many requests</h1>" in page
    assert "Wait a few minutes, then try again." in page


def test_the_429_page_is_translated(client, analyst):
    login(client, analyst)
    url = reverse("search:search") + "?q=Teacher"
    statuses(lambda: client.get(url), 2)

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert "<h1>Забагато запитів</h1>" in page


def test_the_limit_is_per_user(client, analyst, viewer):
    url = reverse("search:search") + "?q=Teacher"
    login(client, analyst)
    statuses(lambda: client.get(url))

    login(client, viewer)

    assert statuses(lambda: client.get(url), 2) == [200, 200]


def test_the_search_api_answers_429_json_and_shares_the_page_budget(client, api, analyst):
    login(client, analyst)
    client.get(reverse("search:search") + "?q=Teacher")
    caller = api(analyst)
    url = reverse("api:search") + "?q=Teacher"

    assert statuses(lambda: caller.get(url), 2) == [200, 429]
    assert caller.get(url).json() == {"detail": "Too many requests: you have searched or exported more often than this "
                                                "installation allows in a short time. Wait a few minutes, then try again."}


def test_proposal_exports_are_limited(client, coordinator):
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    login(client, coordinator)
    url = reverse("sanctions:proposal_export", args=[proposal.uuid, "csv"])

    assert statuses(lambda: client.get(url)) == [200, 200, 429]


def test_court_bundles_are_limited_on_the_page_and_in_the_api_together(client, api, coordinator, verified):
    login(client, coordinator)
    page = reverse("evidence:bundle", args=[verified.reference])
    caller = api(coordinator)
    url = reverse("api:evidence-item-bundles")

    first = client.post(page)
    second = caller.post(url, {"incidents": []}, format="json")
    third = caller.post(url, {"incidents": [verified.reference]}, format="json")

    assert [first.status_code, second.status_code, third.status_code] == [200, 400, 429]
    assert client.post(page).status_code == 429


def test_off_means_no_limit(client, analyst, settings):
    settings.SVIDOK_RATE_LIMITS = {"search": None, "export": None}
    login(client, analyst)

    assert statuses(lambda: client.get(reverse("search:search") + "?q=Teacher"), 5) == [200] * 5


def test_other_pages_are_not_counted(client, analyst):
    login(client, analyst)

    assert statuses(lambda: client.get(reverse("incidents:list")), 5) == [200] * 5
    assert statuses(lambda: client.get(reverse("search:search") + "?q=Teacher"), 2) == [200, 200]


def test_a_limited_user_is_refused_before_anything_is_exported(client, coordinator):
    proposal = proposals.create_proposal(actor=coordinator, title="Organizers")
    other = make_user("coordinator", "second")
    login(client, other)
    url = reverse("sanctions:proposal_export", args=[proposal.uuid, "csv"])
    statuses(lambda: client.get(url), 2)

    refused = client.get(url)

    assert (refused.status_code, refused.has_header("Content-Disposition")) == (429, False)


def test_the_429_json_error_is_translated(api, analyst):
    caller = api(analyst)
    url = reverse("api:search") + "?q=Teacher"
    statuses(lambda: caller.get(url), 2)

    refused = caller.get(url, HTTP_ACCEPT_LANGUAGE="uk")

    assert (refused.status_code, refused.json()["detail"].split(":")[0]) == (429, "Забагато запитів")


def test_migrate_makes_the_counter_table(tmp_path, migrated_sqlite):
    """Without it every limited view would fail; a deployment that only runs `migrate` has it too
    (``migrated_sqlite`` is made by a `svidok migrate` process)."""
    env = {**os.environ, "SVIDOK_VAR_DIR": str(var_dir_with_database(migrated_sqlite, tmp_path / "var"))}
    env.pop("DATABASE_URL", None)
    svidok = [sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())"]
    code = "from django.db import connection; print('svidok_ratelimit' in connection.introspection.table_names())"

    shown = subprocess.run([*svidok, "shell", "--no-imports", "-c", code], env=env, capture_output=True, text=True, timeout=120)

    assert shown.stdout == "True\n"


def test_incident_exports_from_the_list_are_limited_but_not_the_form(client, coordinator):
    login(client, coordinator)
    url = reverse("incidents:export")

    assert statuses(lambda: client.get(url)) == [200, 200, 200]
    assert statuses(lambda: client.post(url, {"format": "json", "purpose": "internal"})) == [200, 200, 429]
