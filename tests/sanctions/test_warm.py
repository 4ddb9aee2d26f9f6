"""The matcher's indexes made ready before the first name check (``sanctions.matching.warm``, run
by the web server at start-up in a background thread), and stored for the other processes."""

import pytest
from django.core.management import call_command

from svidok.names.index import CACHE, IndexCache
from svidok.sanctions import matching as sanctions_matching
from tests import factories
from tests.sanctions.test_match_cli import eu_file  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_warm_builds_and_stores_the_registry_and_every_list(capsys, eu_file, coordinator, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(CACHE, "directory", tmp_path)
    factories.person(coordinator, name="Михаил Григорьевич Малышев")
    call_command("people", "import-list", str(eu_file), "--name", "eu-269")
    CACHE.clear()

    took = sanctions_matching.warm()

    assert sorted(took) == ["eu-269", "registry"]
    # What a new process finds: both indexes stored, read without building them.
    fresh = IndexCache(tmp_path)
    registry = fresh.get("registry", sanctions_matching.get_index(None).state, _refuse)
    listed = fresh.get("list:eu-269", sanctions_matching.get_index("eu-269").state, _refuse)
    assert (len(registry), len(listed)) == (1, 8)
    assert registry.load_seconds is not None and listed.load_seconds is not None


def test_warm_with_nothing_to_match_is_quick_and_quiet(tmp_path, monkeypatch):
    monkeypatch.setattr(CACHE, "directory", tmp_path)

    assert list(sanctions_matching.warm()) == ["registry"]


def _refuse():
    raise AssertionError("built again instead of read from the store")
