"""Region names of the results files in the reader's language (data/elections/regions.csv)."""

import csv
import zipfile
from pathlib import Path

import pytest
from django.utils import translation

from svidok.forensics.regions import TABLE, is_occupied, occupied_regions, region_label, regions_of_place

ELECTIONS = Path(__file__).resolve().parents[2] / "data" / "elections"
CRIMEA, SEVASTOPOL = "Республика Крым", "город Севастополь"


@pytest.mark.parametrize(("lang", "crimea", "sevastopol"), [
    ("en", "Autonomous Republic of Crimea", "Sevastopol"),
    ("uk", "Автономна Республіка Крим", "Севастополь"),
    ("ru", "Автономная Республика Крым", "Севастополь"),
    ("crh", "Qırım Muhtar Cumhuriyeti", "Aqyar"),
])
def test_region_label_occupied_regions_in_each_language(lang, crimea, sevastopol):
    assert (region_label(CRIMEA, lang), region_label(SEVASTOPOL, lang)) == (crimea, sevastopol)


def test_region_label_follows_the_active_language():
    with translation.override("uk"):
        ukrainian = region_label(CRIMEA)
    with translation.override("en"):
        english = region_label(CRIMEA)

    assert (ukrainian, english) == ("Автономна Республіка Крим", "Autonomous Republic of Crimea")


def test_region_label_outside_the_table_is_transliterated_for_latin_readers_only():
    name = "Ханты-Мансийский автономный округ - Югра"

    assert [region_label(name, lang) for lang in ("en", "crh", "uk", "ru")] == [
        "Khanty-Mansiysky avtonomny okrug - Yugra", "Khanty-Mansiysky avtonomny okrug - Yugra", name, name]


def test_region_label_unknown_language_reads_english():
    assert region_label(CRIMEA, "de") == "Autonomous Republic of Crimea"


def test_occupied_regions_keeps_the_table_order_of_those_present():
    assert occupied_regions(["Московская область", SEVASTOPOL, CRIMEA]) == (CRIMEA, SEVASTOPOL)
    assert occupied_regions(["Московская область"]) == ()
    assert (is_occupied("Херсонская область"), is_occupied("Ростовская область")) == (True, False)


def test_regions_of_place_takes_the_peninsula_together():
    assert regions_of_place("UA01160330010074014") == (CRIMEA, SEVASTOPOL)   # Simferopol
    assert regions_of_place("UA85000000000065278") == (CRIMEA, SEVASTOPOL)   # Sevastopol
    assert regions_of_place("UA65100150010064384") == ("Херсонская область",)  # Kherson
    assert regions_of_place("UA80000000000093317") == ()                      # Kyiv: no vote of the occupation
    assert regions_of_place("") == ()


def test_every_table_row_has_every_label_and_the_occupied_names_occur_in_the_files():
    with TABLE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = set()
    for path in sorted(ELECTIONS.glob("*.csv.zip")):
        with zipfile.ZipFile(path) as archive:
            member = archive.namelist()[0]
            reader = csv.DictReader(archive.read(member).decode("utf-8").splitlines())
            names |= {row["region"] for row in reader}

    assert [r["region"] for r in rows if not all(r[lang] for lang in ("en", "uk", "ru", "crh"))] == []
    assert {CRIMEA, SEVASTOPOL} <= names
    assert sorted(r["region"] for r in rows if r["region"] not in names) == [
        "Донецкая Народная Республика", "Запорожская область", "Луганская Народная Республика", "Херсонская область"]


@pytest.mark.django_db
def test_load_of_some_regions_from_the_database_equals_the_cut_of_the_whole_file(coordinator, forensics_election):
    from svidok.forensics import services, stats
    from svidok.forensics.data import clear_cache, load_precincts
    from tests.forensics.conftest import csv_text, synthetic_row

    rows = [synthetic_row(region=CRIMEA, uik="1"), synthetic_row(region=CRIMEA, uik="2", issued_station=700),
            synthetic_row(region=SEVASTOPOL, uik="3"), synthetic_row(region="Московская область", uik="4"),
            synthetic_row(region=CRIMEA, uik="5", registered="")]
    rs = services.import_results(actor=coordinator, election=forensics_election, source=csv_text(rows).encode(),
                                 name="regions.csv").result_set
    scope = (CRIMEA, SEVASTOPOL)

    clear_cache()
    alone = load_precincts(rs, regions=scope)
    clear_cache()
    load_precincts(rs)  # the whole file in memory: the scope is cut from it
    cut = load_precincts(rs, regions=scope)

    assert (len(alone), alone.excluded, alone.uik.tolist()) == (3, 1, ["1", "2", "3"])
    assert (len(cut), cut.excluded, stats.summary(cut)) == (len(alone), alone.excluded, stats.summary(alone))
