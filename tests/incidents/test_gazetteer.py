import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction

from svidok.accounts.services import system_account
from svidok.audit.models import AuditEntry
from svidok.incidents import gazetteer
from svidok.incidents.gazetteer import crimean_tatar_score, in_geometry, load_gazetteer, title_case
from svidok.incidents.models import Place
from svidok.search.api import matching_ids
from svidok.search.models import SearchEntry
from tests.helpers import settle_constraints

pytestmark = pytest.mark.django_db

BAKHCHYSARAI = "UA01020050010045207"


@pytest.fixture(scope="module")
def built():
    return gazetteer.build()


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, built):
    """The gazetteer loaded once for the module, inside a transaction rolled back at its end. Each
    test runs in a savepoint within it (pytest-django's ``django_db``), so what a test changes is
    undone before the next one. Reading and joining the files is the same every time: ``build``
    gives the module's result."""
    original = gazetteer.build
    gazetteer.build = lambda: built
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            outcome = load_gazetteer(actor=system_account())
            settle_constraints()
            yield outcome
            transaction.set_rollback(True)
    finally:
        gazetteer.build = original


def _categories(prefix):
    return dict(sorted(Counter(Place.objects.filter(code__startswith=prefix).values_list("category", flat=True)).items()))


def test_load_gazetteer_has_every_unit_of_crimea_and_sevastopol(loaded):
    assert _categories("UA01") == {"B": 3, "C": 945, "H": 303, "M": 17, "O": 1, "P": 10, "X": 88}
    assert _categories("UA85") == {"B": 4, "K": 1}
    assert Place.objects.filter(code__regex=r"^UA(01|85)", urban_type=True).count() == 57
    # Only the six raions created in 2020 have no KOATUU code ("Новий район" in the crosswalk).
    assert Place.objects.filter(code__regex=r"^UA(01|85)", koatuu="").count() == 6


def test_load_gazetteer_has_the_other_occupied_oblasts(loaded):
    counts = {prefix: Place.objects.filter(code__startswith=prefix).count() for prefix in ("UA14", "UA44", "UA23", "UA65")}

    assert counts == {"UA14": 1394, "UA44": 976, "UA23": 1030, "UA65": 754}
    assert loaded["created"] == 1372 + 1394 + 976 + 1030 + 754


def test_load_gazetteer_gives_a_town_its_codes_names_and_hierarchy(loaded):
    town = Place.objects.select_related("parent", "raion", "region").get(code=BAKHCHYSARAI)

    assert (town.koatuu, town.category, town.name_uk, town.name_ru, town.name_latin, town.name_crh) == (
        "0120410100", "M", "Бахчисарай", "Бахчисарай", "Bakhchysarai", "Bağçasaray",
    )
    assert (town.parent.name_uk, town.raion.name_uk, town.region.name_uk) == ("Бахчисарайська", "Бахчисарайський", "Автономна Республіка Крим")
    assert (town.latitude, town.longitude, town.occupied_since) == (Decimal("44.755250"), Decimal("33.857820"), dt.date(2014, 2, 20))
    assert {"Bakhchisaray", "Baɣča Saraj"} <= set(town.alt_names)


def test_load_gazetteer_keeps_the_old_russian_name_of_a_renamed_town(loaded):
    town = Place.objects.get(name_uk="Яни Капу")

    assert (town.name_ru, town.name_latin, town.name_crh, town.alt_names[0]) == ("Красноперекопск", "Yany Kapu", "Yañı Qapı", "Красноперекопськ")


def test_load_gazetteer_maps_former_sevastopol_settlements_by_their_85_koatuu(loaded):
    inkerman = Place.objects.get(name_uk="Інкерман")

    assert (inkerman.code[:4], inkerman.koatuu, inkerman.name_ru, inkerman.raion.name_uk) == ("UA01", "8536310300", "Инкерман", "Бахчисарайський")
    assert Place.objects.filter(code__startswith="UA01", koatuu__startswith="85").count() == 37


def test_load_gazetteer_sets_occupation_from_the_most_specific_listed_unit(loaded):
    sevastopol = Place.objects.get(code="UA85000000000065278")
    mariupol = Place.objects.get(code="UA14140050010029262")
    kherson = Place.objects.get(code="UA65100150010064384")

    assert (sevastopol.name_ru, sevastopol.name_crh, sevastopol.occupied_since) == ("Севастополь", "Aqyar", dt.date(2014, 2, 20))
    # Mariupol raion is listed from 05.03.2022, the city itself from 21.05.2022; Kherson was freed.
    assert (mariupol.occupied_since, kherson.occupied_since) == (dt.date(2022, 5, 21), None)


def test_load_gazetteer_twice_changes_nothing(loaded):
    before = (list(Place.objects.order_by("code").values()), list(SearchEntry.objects.order_by("id").values_list("key", flat=True)),
              AuditEntry.objects.filter(action="import", object_type="incidents.place").count())

    second = load_gazetteer(actor=system_account())

    after = (list(Place.objects.order_by("code").values()), list(SearchEntry.objects.order_by("id").values_list("key", flat=True)),
             AuditEntry.objects.filter(action="import", object_type="incidents.place").count())
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 5526)
    assert after == before
    assert before[2] == 1


def test_load_gazetteer_audit_entry_summarizes_counts(loaded):
    entry = AuditEntry.objects.get(action="import", object_type="incidents.place")

    assert (entry.actor_label, entry.changes["created"], entry.changes["updated"]) == ("system", [None, 5526], [None, 0])


def test_load_gazetteer_updates_a_changed_place(loaded):
    Place.objects.filter(code=BAKHCHYSARAI).update(name_ru="Wrong", latitude=None)

    counts = load_gazetteer(actor=system_account())

    town = Place.objects.get(code=BAKHCHYSARAI)
    assert (counts["updated"], town.name_ru, town.latitude) == (1, "Бахчисарай", Decimal("44.755250"))


@pytest.mark.parametrize("query", ["Бахчисарай", "Bağçasaray", "Bakhchysarai", "Bakhchisaray"])
def test_loaded_town_found_by_any_spelling(loaded, query):
    found = Place.objects.filter(pk__in=matching_ids("place", query), category="M").values_list("code", flat=True)

    assert list(found) == [BAKHCHYSARAI]


def test_title_case_keeps_hyphenated_parts_capitalised():
    assert [title_case(n) for n in ("БАХЧИСАРАЙ", "ІСЛЯМ-ТЕРЕК", "СТАРИЙ КРИМ", "П'ЯТИХАТКИ")] == ["Бахчисарай", "Іслям-Терек", "Старий Крим", "П'ятихатки"]


def test_crimean_tatar_score_prefers_crimean_tatar_letters():
    assert [crimean_tatar_score(n) for n in ("Bağçasaray", "Bahçesaray", "Bakhchysaray", "Aq Koez", "Bachtjisaraj")] == [3, 1, 0, 0, 0]


def test_in_geometry_honours_holes():
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    geometry = {"type": "Polygon", "coordinates": [square, hole]}

    assert [in_geometry(x, y, geometry) for x, y in ((1, 1), (5, 5), (11, 5))] == [True, False, False]
