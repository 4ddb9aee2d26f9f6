"""The matcher: name pieces and roles, scoring, the evaluation on the development set against the
whole EU list (figures as measured; docs/matching.md), and the registry index."""

import csv
import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from svidok.names import matching
from svidok.people.services import update_person
from svidok.sanctions import matching as sanctions_matching
from svidok.sanctions.lists import read_eu_csv
from tests import factories

DATA = settings.BASE_DIR / "data"


@pytest.fixture(scope="module")
def eu_index():
    """The whole EU list (2,802 records), indexed in memory as after ``svidok people import-list``."""
    parsed = read_eu_csv((DATA / "sanctions" / "eu-regulation-269-2014-annex-i.csv").read_bytes())
    return matching.MatchIndex([sanctions_matching.entry_from_record(e) for e in parsed.entities])


def dev_rows(name):
    with open(DATA / "names" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def top(index, name, **kwargs):
    result = index.match(name, **kwargs)
    return result.results[0] if result.results else None


# --- evaluation on the development set (data/names/) ----------------------------------------------------

def test_dev_set_every_spelling_finds_its_record_first_and_above_the_threshold(eu_index):
    variants = [r for r in dev_rows("variants.csv") if r["kind"] != "official-canonical"]

    found = [(top(eu_index, r["variant"]).entry.record_id, top(eu_index, r["variant"]).match) for r in variants]

    first = sum(1 for (record_id, _m), r in zip(found, variants, strict=True) if record_id == "I.PERSONS/" + r["eu_record"])
    first_above = sum(1 for (record_id, m), r in zip(found, variants, strict=True)
                      if record_id == "I.PERSONS/" + r["eu_record"] and m)
    assert (len(variants), first, first_above) == (26, 26, 26)


def test_dev_set_negatives_raise_no_alert(eu_index):
    alerts = {r["query"]: [c.entry.caption for c in eu_index.match(r["query"]).results if c.match]
              for r in dev_rows("negatives.csv")}

    assert alerts == {"Emil Kurbedinov": [], "Ihor Prokopchuk": [], "Refat Chubarov": [], "Achtem Czijgoz": []}


def test_dev_set_hard_negative_pairs_are_judged_different():
    scores = []
    for row in dev_rows("hard-negative-pairs.csv"):
        entry = matching.make_entry(id="a", schema="Person", caption=row["name_a"], names=[row["name_a"]])
        scores.append(matching.score_entries(matching.query_shapes(row["name_b"]), None, [entry])[0][0])

    assert scores == [0.38, 0.551, 0.0, 0.0, 0.38, 0.551]
    assert max(scores) < matching.DEFAULT_THRESHOLD


# --- what the scorer does ------------------------------------------------------------------------------

def test_inflected_russian_name_is_lemmatized_and_explained(eu_index):
    best = top(eu_index, "Михаила Малышева")

    assert (best.entry.record_id, best.score, best.match) == ("I.PERSONS/30", 1.0, True)
    assert best.explanation["name"]["tokens"] == [["mikhail", "mikhail", 1.0], ["malyshev", "malyshev", 1.0]]
    assert best.explanation["name"]["unmatched_candidate"] == ["grigorievich"]


def test_latin_i_inside_a_ukrainian_name_is_repaired(eu_index):
    best = top(eu_index, "Сергiй Валерiйович АКСЬОНОВ")

    assert (best.entry.record_id, best.score) == ("I.PERSONS/1", 1.0)


def test_crimean_tatar_press_spelling_finds_aksyonov(eu_index):
    best = top(eu_index, "Sergey Aksönov")

    assert (best.entry.record_id, best.match) == ("I.PERSONS/1", True)


def test_a_typo_in_the_surname_still_matches_but_scores_less(eu_index):
    exact, typo = top(eu_index, "Mikhail Malyshev"), top(eu_index, "Mikhail Malishev")

    assert (typo.entry.record_id, typo.match) == ("I.PERSONS/30", True)
    assert typo.score < exact.score == 1.0


def test_one_word_is_never_an_alert(eu_index):
    best = top(eu_index, "Малышев")

    assert (best.score, best.match, best.explanation["name"]["one_word"]) == (matching.ONE_WORD_CAP, False, True)


def test_birth_date_disagreement_drops_a_full_name_match_below_the_threshold(eu_index):
    agrees = top(eu_index, "Mikhail Malyshev", birth_date="1955-10-10")
    other_year = eu_index.match("Mikhail Malyshev", birth_date="1961-01-01").results
    malyshev = next(r for r in other_year if r.entry.record_id == "I.PERSONS/30")

    assert (agrees.score, agrees.features, agrees.explanation["birth_date"]) == (
        1.0, {"name_match": 1.0, "birth_date": 0.05}, "agrees")
    assert (malyshev.score, malyshev.match, malyshev.explanation["birth_date"]) == (0.7, False, "another year")


def test_another_given_name_with_the_same_surname_is_no_match(eu_index):
    result = eu_index.match("Igor Aksyonov", limit=3)

    # Another person of the list is called exactly that; Sergey Aksyonov is shown, well below
    # the threshold (the rarer word in common ranks him above the Igors who score the same).
    assert [(r.entry.caption, r.score, r.match) for r in result.results] == [
        ("Igor Borisovich AKSYONOV", 1.0, True), ("Igor PLOTNITSKY", 0.5, False), ("Sergey Valeryevich AKSYONOV", 0.475, False)]


def test_persons_query_skips_organizations(eu_index):
    result = eu_index.match("Chernomorneftegaz Republic of Crimea")

    assert all(r.entry.schema == "Person" for r in result.results)


def test_organization_query_finds_the_entity(eu_index):
    best = top(eu_index, "Chernomorneftegaz", persons=False)

    assert (best.entry.record_id, best.entry.schema) == ("I.ENTITIES/1", "LegalEntity")


def test_logic_v2_scores_the_same_candidates(eu_index):
    best = top(eu_index, "Михаила Малышева", algorithm="logic-v2")

    assert (best.entry.record_id, best.match, "name_match" in best.explanation) == ("I.PERSONS/30", True, True)


@pytest.mark.parametrize(("name", "message"), [
    ("", "A name is required."),
    ("   ", "A name is required."),
    ("И. Н.", "A name cannot be initials only: write at least one name in full."),
    ("A.B.", "A name cannot be initials only: write at least one name in full."),
    ("12345", "A name must contain letters."),
    ("аааааааа", "A name cannot be one character repeated."),
    ("Mиkhail Malyshev", "Word 1 of the name mixes Cyrillic and Latin letters (Cyrillic: и); type it in one script."),
])
def test_unmatchable_names_are_refused_with_the_reason(eu_index, name, message):
    with pytest.raises(matching.MatchError) as caught:
        eu_index.match(name)

    assert str(caught.value) == message


@pytest.mark.parametrize("value", ["10.10.1955", "1955-13-01", "yesterday"])
def test_bad_birth_date_is_refused(eu_index, value):
    with pytest.raises(matching.MatchError) as caught:
        eu_index.match("Mikhail Malyshev", birth_date=value)

    assert str(caught.value) == f"Birth date {value!r} is not a date (YYYY-MM-DD or YYYY)."


@pytest.mark.parametrize(("name", "pieces"), [
    ("Sergei Valerievich AKSENOV (Сергей Валерьевич АКСЁНОВ)", ["Sergei Valerievich AKSENOV", "Сергей Валерьевич АКСЁНОВ"]),
    ("Natalya Ivanovna BEZRUCHENKO/Natalia Ivanovna BEZRUCHENKO",
     ["Natalya Ivanovna BEZRUCHENKO", "Natalia Ivanovna BEZRUCHENKO"]),
    ("Игорь Всеволодович ГИРКИН) (a.k.a. Igor STRELKOV, Ihor STRIELKOV",
     ["Игорь Всеволодович ГИРКИН", "Igor STRELKOV", "Ihor STRIELKOV"]),
    ("IVANOV, Ivan", ["IVANOV Ivan"]),
    ("Artyom/ Artem Grigoryevich SHEYNIN (Russian:Артём Григорьевич ШЕЙНИН)",
     ["Artyom", "Artem Grigoryevich SHEYNIN", "Артём Григорьевич ШЕЙНИН"]),
])
def test_name_pieces_split_combined_listed_names(name, pieces):
    assert matching.name_pieces(name) == pieces


def test_patronymic_is_the_middle_word_not_a_surname_in_ovich():
    sergey, stankevich = matching.shapes_of("Sergey Nikolayevich STANKEVICH"), matching.shapes_of("Stankevich Sergey Nikolayevich")

    assert (sergey[0].patronymic, stankevich[0].patronymic) == ((False, True, False), (False, False, True))


# --- the registry index --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_registry_finds_a_person_right_after_it_is_recorded(coordinator):
    sanctions_matching.get_index()  # built before the person exists
    person = factories.person(coordinator, name="Інна Миколаївна Гузєєва", names=[{"name": "Inna Guzeeva", "lang": "en"}])

    best = sanctions_matching.match_for(coordinator, "Инны Гузеевой").results[0]

    assert (best.entry.id, best.entry.caption, best.match) == (person.public_id, "Інна Миколаївна Гузєєва", True)


@pytest.mark.django_db
def test_registry_never_matches_a_protected_person(coordinator):
    factories.person(coordinator, name="Lenie Umerova", protected=True)
    visible = factories.person(coordinator, name="Lenie Umerova-Asanova")

    result = sanctions_matching.match_for(coordinator, "Lenie Umerova")

    assert [r.entry.id for r in result.results] == [visible.public_id]


@pytest.mark.django_db
def test_registry_forgets_a_person_who_becomes_protected(coordinator):
    person = factories.person(coordinator, name="Refat Seitumerov")
    assert sanctions_matching.match_for(coordinator, "Refat Seitumerov").total == 1

    update_person(actor=coordinator, person=person, fields={"protected": True})

    assert sanctions_matching.match_for(coordinator, "Refat Seitumerov").results == []


@pytest.mark.django_db
def test_registry_birth_dates_count_only_for_who_may_see_identities(coordinator, viewer):
    factories.person(coordinator, name="Mikhail Malyshev", identity={"birth_date": dt.date(1955, 10, 10)})

    for_lead = sanctions_matching.match_for(coordinator, "Mikhail Malyshev", birth_date="1961-01-01").results[0]
    for_viewer = sanctions_matching.match_for(viewer, "Mikhail Malyshev", birth_date="1961-01-01").results[0]

    assert (for_lead.score, for_lead.explanation["birth_date"]) == (0.7, "another year")
    assert (for_viewer.score, for_viewer.explanation["birth_date"]) == (1.0, "unknown for the candidate")


@pytest.mark.django_db
def test_registry_sees_a_changed_birth_date_at_once(coordinator):
    person = factories.person(coordinator, name="Mikhail Malyshev", identity={"birth_date": dt.date(1955, 10, 10)})
    sanctions_matching.match_for(coordinator, "Mikhail Malyshev")

    update_person(actor=coordinator, person=person, identity={"birth_date": dt.date(1961, 1, 1)})

    assert sanctions_matching.match_for(coordinator, "Mikhail Malyshev", birth_date="1961-01-01").results[0].score == 1.0


def test_matching_needs_an_active_user(viewer):
    viewer.is_active = False

    with pytest.raises(PermissionDenied):
        sanctions_matching.match_for(viewer, "Mikhail Malyshev")


@pytest.mark.django_db
def test_unknown_list_is_a_lookup_error():
    with pytest.raises(LookupError):
        sanctions_matching.get_index("no-such-list")
