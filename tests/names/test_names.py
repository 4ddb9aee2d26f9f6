"""Names across scripts (svidok.names) and their use when name variants are saved.

Real spellings come from data/names/variants.csv (EU Annex I of Regulation 269/2014 and the
press); the romanization examples are those of the official tables (KMU resolution 55 of 2010;
ICAO Doc 9303, BGN/PCGN and GOST 7.79-2000 system B as given in the iuliia schemas' samples).
"""

import csv
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from svidok.names import (
    check_name,
    display_name,
    lemmatize,
    match_forms,
    repair_homoglyphs,
    romanizations,
)
from svidok.people.models import NameVariant, Organization, Person
from svidok.people.services import add_name_variant
from tests import factories

VARIANTS = Path(__file__).resolve().parents[2] / "data" / "names" / "variants.csv"


def _rows(**where):
    rows = csv.DictReader(VARIANTS.open(encoding="utf-8"))
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


# --- homoglyphs ------------------------------------------------------------------------------


def test_repair_homoglyphs_latin_capital_i_in_ukrainian_name():
    entered = "\u0049нна Миколаївна ГУЗЄЄВА"  # Latin I, as in the issue

    assert repair_homoglyphs(entered) == "\u0406нна Миколаївна ГУЗЄЄВА"


def test_repair_homoglyphs_on_the_mixed_rows_of_the_development_set():
    rows = [r for r in csv.DictReader(VARIANTS.open(encoding="utf-8")) if "homoglyph" in r["script"]]

    repaired = {r["variant"]: repair_homoglyphs(r["variant"]) for r in rows}

    assert repaired == {
        "Сергiй Валерiйович АКСЬОНОВ": "Сергій Валерійович АКСЬОНОВ",  # Latin i -> Ukrainian і
        "Andrey K\u043ezenko": "Andrey Kozenko",  # Cyrillic о -> Latin o
    }
    cyrillic_row, latin_row = repaired
    assert ([hex(ord(c)) for c in cyrillic_row if c.isascii() and c.isalpha()], [hex(ord(c)) for c in latin_row if not c.isascii()]) == (
        ["0x69", "0x69"], ["0x43e"],
    )
    cyrillic_fixed, latin_fixed = repaired.values()
    assert ([c for c in cyrillic_fixed if c.isascii() and c.isalpha()], [c for c in latin_fixed if not c.isascii()]) == ([], [])


def test_repair_homoglyphs_leaves_a_word_with_no_look_alike():
    assert repair_homoglyphs("Mosk\u0432a Petrov") == "Mosk\u0432a Petrov"


def test_repair_homoglyphs_leaves_words_of_one_script():
    assert repair_homoglyphs("Інна Guzeeva") == "Інна Guzeeva"


def test_repair_homoglyphs_breaks_a_tie_by_the_script_of_the_name():
    assert repair_homoglyphs("Гузеева Иa") == "Гузеева Иа"


# --- romanizations ---------------------------------------------------------------------------


@pytest.mark.parametrize(("ukrainian", "national"), [
    ("Згорани", "Zghorany"), ("Розгон", "Rozghon"), ("Щербухи", "Shcherbukhy"), ("Юрій", "Yurii"),
    ("Яготин", "Yahotyn"), ("Знам'янка", "Znamianka"), ("Гоща", "Hoshcha"), ("Біла Церква", "Bila Tserkva"),
    ("Їжакевич", "Yizhakevych"), ("Олексій", "Oleksii"), ("Єнакієве", "Yenakiieve"), ("Ґалаґан", "Galagan"),
])
def test_romanizations_ukrainian_national_2010_table_examples(ukrainian, national):
    assert romanizations(ukrainian, "uk")["uk_national_2010"] == national


def test_romanizations_ukrainian_name_has_the_ukrainian_schemes_only():
    assert romanizations("Інна Миколаївна ГУЗЄЄВА") == {
        "uk_national_2010": "Inna Mykolaivna HUZIEIEVA",
        "uk_passport": "INNA MYKOLAIVNA HUZIEIEVA",
        "uk_bgn_pcgn_1965": "Inna Mykolayivna HUZYEYEVA",
    }


def test_romanizations_bgn_pcgn_1965_gives_the_eu_lists_ukrainian_spelling():
    # The EU's uk-rom variants: Mykhaylo Hryhorovych MALYSHEV, Serhiy Valeriyovych AKSYONOV.
    keys = [romanizations(n, "uk")["uk_bgn_pcgn_1965"] for n in ("Михайло Григорович", "Сергій Валерійович")]

    assert keys == ["Mykhaylo Hryhorovych", "Serhiy Valeriyovych"]


def test_romanizations_russian_name_has_the_russian_schemes_only():
    assert romanizations("Инна Николаевна Гузеева", "ru") == {
        "ru_icao_9303": "Inna Nikolaevna Guzeeva",
        "ru_bgn_pcgn": "Inna Nikolayevna Guzeyeva",
        "ru_gost_7_79": "Inna Nikolaevna Guzeeva",
    }


@pytest.mark.parametrize(("russian", "icao"), [
    ("Юлия Щеглова", "Iuliia Shcheglova"), ("Гайа Васильева", "Gaia Vasileva"),
    ("Андрей Видный", "Andrei Vidnyi"), ("Артём Краевой", "Artem Kraevoi"),
    ("Сергей Валерьевич АКСЁНОВ", "Sergei Valerevich AKSENOV"),
])
def test_romanizations_icao_9303_examples(russian, icao):
    assert romanizations(russian)["ru_icao_9303"] == icao


@pytest.mark.parametrize(("russian", "bgn"), [
    ("Елизово", "Yelizovo"), ("Чапаевск", "Chapayevsk"), ("Мейеровка", "Meyyerovka"),
    ("Юрьев", "Yur’yev"), ("Озёрный", "Oz\u00ebrnyy"),  # Latin ë, as in the BGN/PCGN table
])
def test_romanizations_bgn_pcgn_examples(russian, bgn):
    assert romanizations(russian, "ru")["ru_bgn_pcgn"] == bgn


@pytest.mark.parametrize(("russian", "gost"), [
    ("Юлия", "Yuliya"), ("ещё", "eshhyo"), ("этих", "e`tix"), ("французских", "franczuzskix"),
    ("выпей", "vy`pej"), ("Щеглова", "Shheglova"), ("МАЛЫШЕВ", "MALY`SHEV"),
])
def test_romanizations_gost_7_79_system_b_examples(russian, gost):
    assert romanizations(russian, "ru")["ru_gost_7_79"] == gost


def test_romanizations_keep_an_all_capitals_word_in_capitals():
    assert romanizations("Михаил МАЛЫШЕВ", "ru")["ru_icao_9303"] == "Mikhail MALYSHEV"


def test_romanizations_without_telling_letters_give_both_languages():
    assert romanizations("Сергей Цеков") == {
        "uk_national_2010": "Serhei Tsekov",
        "uk_passport": "SERHEI TSEKOV",
        "uk_bgn_pcgn_1965": "Serhey Tsekov",
        "ru_icao_9303": "Sergei Tsekov",
        "ru_bgn_pcgn": "Sergey Tsekov",
        "ru_gost_7_79": "Sergej Cekov",  # ц before е is c in system B
    }


def test_romanizations_crimean_tatar_adds_the_official_latin():
    assert romanizations("Сергей Аксёнов", "crh") == {
        "ru_icao_9303": "Sergei Aksenov",
        "ru_bgn_pcgn": "Sergey Aks\u00ebnov",
        "ru_gost_7_79": "Sergej Aksyonov",
        "crh_latin": "Sergey Aksönov",
    }


def test_romanizations_of_a_latin_name_are_empty():
    assert romanizations("Inna Guzeeva") == {}


# --- lemmatization ---------------------------------------------------------------------------


def test_lemmatize_every_inflected_press_row_of_the_development_set():
    rows = _rows(kind="press-inflected")

    lemmas = {r["variant"]: lemmatize(r["variant"], r["lang"]) for r in rows}

    assert lemmas == {"Михаила Малышева": "Михаил Малышев", "Михайла Малишева": "Михайло Малишев"}


@pytest.mark.parametrize(("inflected", "nominative"), [
    ("Інну Гузєєву", "Інна Гузєєва"),
    ("Инны Николаевны Гузеевой", "Инна Николаевна Гузеева"),
    ("ГУЗЄЄВОЇ Інни", "ГУЗЄЄВА Інна"),
    ("Михаила Григорьевича МАЛЫШЕВА", "Михаил Григорьевич МАЛЫШЕВ"),
    ("Сергея Аксенова", "Сергей Аксенов"),  # no ё put in by the dictionary
    ("Сергія Аксьонова", "Сергій Аксьонов"),
    ("Рефата Чубарова", "Рефат Чубаров"),
    ("Михаила Malysheva", "Михаил Malysheva"),  # a Latin word is left alone
])
def test_lemmatize_gives_the_nominative(inflected, nominative):
    assert lemmatize(inflected) == nominative


def test_lemmatize_keeps_the_given_names_gender_for_the_surname():
    # Alone, Гузєєву is read as the dictionary's first reading, the masculine гузєєв (dative);
    # after Інну it can only be the feminine accusative.
    assert (lemmatize("Гузєєву"), lemmatize("Інну Гузєєву")) == ("Гузєєв", "Інна Гузєєва")


@pytest.mark.parametrize("name", [
    "Михаил Малышев", "Инна Гузеева", "Малышева", "Сергей Валерьевич АКСЁНОВ", "Константин Бахарев",
    "Михайло Григорович МАЛИШЕВ", "Mikhail Malyshev",
])
def test_lemmatize_leaves_a_nominative_name_unchanged(name):
    assert lemmatize(name) == name


# --- display name ----------------------------------------------------------------------------

MALYSHEV = [
    {"name": "Михаил Григорьевич Малышев", "lang": "ru", "script": "Cyrl", "kind": "official", "primary": True},
    {"name": "Михайло Григорович Малишев", "lang": "uk", "script": "Cyrl", "kind": "official", "primary": False},
    {"name": "Mikhail Malyshev", "lang": "en", "script": "Latn", "kind": "press", "primary": False},
]


@pytest.mark.parametrize(("lang", "expected"), [
    ("ru", "Михаил Григорьевич Малышев"),
    ("uk", "Михайло Григорович Малишев"),
    ("en", "Mikhail Malyshev"),
    ("crh", "Mikhail Malyshev"),
])
def test_display_name_for_each_language(lang, expected):
    assert display_name(MALYSHEV, lang) == expected


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Mikhail Grigorevich Malyshev"),  # Russian ICAO, as in a Russian passport
    ("crh", "Mihail Grigoryeviç Malışev"),
    ("uk", "Михаил Григорьевич Малышев"),  # no Ukrainian variant: the primary one
])
def test_display_name_transliterates_the_primary_into_the_users_script(lang, expected):
    variants = [NameVariant(name="Михаил Григорьевич Малышев", lang="ru", script="Cyrl", kind="official", primary=True)]

    assert display_name(variants, lang) == expected


def test_display_name_prefers_a_same_language_official_over_the_primary():
    variants = [
        NameVariant(name="Sergey Aksyonov", lang="en", kind="transliteration", primary=True),
        NameVariant(name="Sergey Aksönov", lang="crh", kind="official"),
    ]

    assert (display_name(variants, "crh"), display_name(variants, "en"), display_name(variants, "uk")) == (
        "Sergey Aksönov", "Sergey Aksyonov", "Sergey Aksyonov",
    )


def test_display_name_of_no_variants_is_empty():
    assert display_name([], "uk") == ""


# --- match forms -----------------------------------------------------------------------------


def test_match_forms_of_an_inflected_russian_name():
    assert match_forms("Михаила Малышева") == [
        "mihaila malysheva", "mihail malyshev",
        "mikhaila malysheva", "mixaila malysheva",
        "mikhail malyshev", "mixail malyshev",
    ]


def test_match_forms_of_a_homoglyph_spelling_are_those_of_the_repaired_one():
    assert match_forms("Andrey K\u043ezenko") == match_forms("Andrey Kozenko") == ["andrey kozenko"]


def test_match_forms_of_crimean_tatar_press_spelling_include_the_russian_romanizations():
    assert match_forms("Sergey Aksönov") == ["sergey aksonov", "sergei aksenov", "sergey aksenov", "sergej aksyonov"]


def test_match_forms_of_the_ukrainian_homoglyph_row_include_the_eu_spelling():
    forms = match_forms("Сергiй Валерiйович АКСЬОНОВ")

    assert forms == ["serhii valeriiovych aksonov", "serhiy valeriyovych aksonov"]


def test_match_forms_are_lower_case_ascii_tokens_for_every_variant_of_the_development_set():
    forms = [f for r in _rows() for f in match_forms(r["variant"])]

    assert [f for f in forms if not re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", f)] == []


def test_match_forms_share_a_form_between_inflected_and_nominative():
    shared = set(match_forms("Інну Гузєєву")) & set(match_forms("Інна Гузєєва"))

    assert shared == {"inna huzeeva", "inna huzieieva", "inna huzyeyeva"}


def test_match_forms_returns_a_fresh_list_each_time():
    first = match_forms("Михаил Малышев")
    first.append("changed")

    assert "changed" not in match_forms("Михаил Малышев")


def test_match_forms_without_lemmatizing_keep_the_inflected_form_only():
    assert match_forms("Михаила Малышева", inflected=False) == ["mihaila malysheva", "mikhaila malysheva", "mixaila malysheva"]


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("", "A name is required."),
    ("   ", "A name is required."),
    ("1234", "A name must contain letters."),
    ("x" * 301, "A name is at most 300 characters long."),
    ("ааааа", "A name cannot be one character repeated."),
    ("И. Н.", "A name cannot be initials only: write at least one name in full."),
    ("A.B.", "A name cannot be initials only: write at least one name in full."),
    ("a b c d e f g h i j k l m", "A person's name has at most 12 words."),
    ("Ivan Mosk\u0432a", "Word 2 of the name mixes Cyrillic and Latin letters (Cyrillic: в); type it in one script."),
    ("\u041f\u0065\u0074\u0440\u043e\u0432 Ivan", "Word 1 of the name mixes Cyrillic and Latin letters (Latin: e, t); type it in one script."),
])
def test_check_name_refuses(text, message):
    with pytest.raises(ValueError) as caught:
        check_name(text)

    assert str(caught.value) == message


@pytest.mark.parametrize(("text", "expected"), [
    ("  Інна   Гузєєва ", "Інна Гузєєва"),
    ("И. Н. Гузеева", "И. Н. Гузеева"),
    ("Сергiй Валерiйович АКСЬОНОВ", "Сергiй Валерiйович АКСЬОНОВ"),  # repairable: accepted as entered
    ("Ли", "Ли"),
])
def test_check_name_accepts(text, expected):
    assert check_name(text) == expected


def test_check_name_allows_long_names_acronyms_and_mixed_brands_for_organizations():
    long_name = "Department of the Ministry of Internal Affairs of the Russian Federation for the Republic of Crimea"

    checked = [check_name(n, kind="organization") for n in (long_name, "ФСБ", "ГО «КримSOS»")]

    assert checked == [long_name, "ФСБ", "ГО «КримSOS»"]


def test_check_name_error_does_not_contain_the_name():
    with pytest.raises(ValueError) as caught:
        check_name("Guzeevа Мoskвa")

    assert "Guzeev" not in str(caught.value) and "oskв" not in str(caught.value)


# --- services --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_name_variant_repairs_homoglyphs_and_keeps_what_was_entered(coordinator):
    person = factories.person(coordinator, name="Sergey Aksyonov")
    entered = "Сергiй Валерiйович АКСЬОНОВ"

    variant = add_name_variant(actor=coordinator, person=person, name=entered, lang="uk")

    variant.refresh_from_db()
    assert (variant.name, variant.raw, variant.script, variant.keys) == (
        "Сергій Валерійович АКСЬОНОВ", entered, "Cyrl",
        {"uk_national_2010": "Serhii Valeriiovych AKSONOV", "uk_passport": "SERHII VALERIIOVYCH AKSONOV",
         "uk_bgn_pcgn_1965": "Serhiy Valeriyovych AKS'ONOV"},
    )


@pytest.mark.django_db
def test_add_name_variant_of_the_repaired_spelling_is_the_same_variant(coordinator):
    person = factories.person(coordinator, name="Andrey Kozenko")

    variant = add_name_variant(actor=coordinator, person=person, name="Andrey K\u043ezenko", lang="crh")

    assert (person.names.count(), variant.raw, variant.primary) == (1, "", True)


@pytest.mark.django_db
def test_record_person_stores_keys_of_the_primary_variant(documenter):
    person = factories.person(documenter, name="Михаил Малышев")

    variant = person.names.get()
    assert (variant.raw, variant.keys) == ("", {
        "ru_icao_9303": "Mikhail Malyshev", "ru_bgn_pcgn": "Mikhail Malyshev", "ru_gost_7_79": "Mixail Maly`shev",
    })


@pytest.mark.django_db
def test_record_person_shows_the_repaired_name_and_keeps_the_entered_one(documenter):
    entered = "\u0049нна Гузєєва"

    person = factories.person(documenter, name=entered)

    person.refresh_from_db()
    assert (person.display_name, person.identity.full_name, person.names.get().raw) == ("\u0406нна Гузєєва", entered, entered)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "message"), [
    ("И. Н.", "A name cannot be initials only: write at least one name in full."),
    ("Ivan Mosk\u0432a", "Word 2 of the name mixes Cyrillic and Latin letters (Cyrillic: в); type it in one script."),
])
def test_record_person_refuses_bad_names_and_writes_nothing(documenter, name, message):
    with pytest.raises(ValidationError) as caught:
        factories.person(documenter, name=name)

    assert (caught.value.message_dict, Person.objects.count()) == ({"name": [message]}, 0)


@pytest.mark.django_db
def test_record_organization_accepts_a_long_name(coordinator):
    name = "Department of the Ministry of Internal Affairs of the Russian Federation for the Republic of Crimea"

    organization = factories.organization(coordinator, name=name)

    assert (Organization.objects.get(pk=organization.pk).name, organization.names.get().keys) == (name, {})


def test_a_letter_newer_than_the_unicode_tables_does_not_break_a_cyrillic_name():
    # U+17000 is a letter to str.isalpha but has no unicodedata name on Python 3.11, which pymorphy3 asks for
    name = "Сергій \U00017000аб"
    assert lemmatize(name) == name
    assert "serhii ab" in match_forms(name)
