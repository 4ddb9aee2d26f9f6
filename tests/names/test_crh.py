"""Crimean Tatar Cyrillic <-> official Latin (svidok.names.crh) on real spellings.

Place names: the Crimean Tatar names of Simferopol, Sevastopol, Yevpatoria, Bakhchysarai,
Bilohirsk and of the Mejlis; person names: the Crimean Tatar press spellings in
data/names/variants.csv (RFE/RL Crimean Tatar service) and Crimean Tatar public figures.
"""

import csv
from pathlib import Path

import pytest

from svidok.names import repair_homoglyphs
from svidok.names.crh import to_cyrillic, to_latin

VARIANTS = Path(__file__).resolve().parents[2] / "data" / "names" / "variants.csv"

# Spellings that go both ways exactly: the Cyrillic orthography spells out every sound here.
ROUND_TRIPS = [
    ("Къырым", "Qırım"),
    ("Акъмесджит", "Aqmescit"),
    ("Акъяр", "Aqyar"),
    ("Меджлис", "Meclis"),
    ("Багъчасарай", "Bağçasaray"),
    ("Кезлев", "Kezlev"),
    ("Къарасубазар", "Qarasubazar"),
    ("Ислям", "İslâm"),
    ("КЪЫРЫМ", "QIRIM"),
    ("Рефат Чубаров", "Refat Çubarov"),
    ("Мустафа Джемилев", "Mustafa Cemilev"),
    ("Ахтем Чийгоз", "Ahtem Çiygoz"),
    ("Ленур Ислямов", "Lenur İslâmov"),
    ("Эскендер Бариев", "Eskender Bariyev"),
    ("Нурие", "Nuriye"),
    ("Гульнара", "Gülnara"),
    ("Бютюн", "Bütün"),
    ("Дюнья", "Dünya"),
    ("Сергей Аксёнов", "Sergey Aksönov"),
    ("Сергей Цеков", "Sergey Tsekov"),
    ("Константин Бахарев", "Konstantin Baharev"),
    ("Андрей Козенко", "Andrey Kozenko"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), ROUND_TRIPS)
def test_to_latin_gives_the_official_latin_spelling(cyrillic, latin):
    assert to_latin(cyrillic) == latin


@pytest.mark.parametrize(("cyrillic", "latin"), ROUND_TRIPS)
def test_to_cyrillic_gives_the_cyrillic_spelling_back(cyrillic, latin):
    assert to_cyrillic(latin) == cyrillic


def _crh_press_rows():
    rows = list(csv.DictReader(VARIANTS.open(encoding="utf-8")))
    cyrillic = {r["eu_record"]: r["variant"] for r in rows if r["kind"] == "official" and r["lang"] == "ru"}
    return [(r["variant"], cyrillic[r["eu_record"]]) for r in rows if r["lang"] == "crh"]


@pytest.mark.parametrize(("press", "official_cyrillic"), _crh_press_rows())
def test_to_latin_of_the_list_cyrillic_name_is_the_crimean_tatar_press_spelling(press, official_cyrillic):
    given, _patronymic, surname = official_cyrillic.split()

    assert to_latin(f"{given} {surname.title()}") == repair_homoglyphs(press)


def test_crh_press_rows_are_the_four_in_the_development_set():
    assert [press for press, _ in _crh_press_rows()] == ["Sergey Aksönov", "Sergey Tsekov", "Konstantin Baharev", "Andrey K\u043ezenko"]


def test_to_latin_keeps_capitals_and_other_characters():
    assert to_latin("Къырым Джумхуриети, 2014 (КЪЫРЫМ)") == "Qırım Cumhuriyeti, 2014 (QIRIM)"


def test_to_latin_of_the_russian_place_name_is_letter_for_letter():
    # Бахчисарай is the Russian name; the Crimean Tatar one is Багъчасарай (Bağçasaray).
    assert (to_latin("Бахчисарай"), to_latin("Багъчасарай")) == ("Bahçisaray", "Bağçasaray")


def test_to_latin_reads_initial_yu_as_front_before_a_front_syllable():
    assert [to_latin(w) for w in ("Юксель", "Юсуф", "Юрий", "Юрьевич")] == ["Yüksel", "Yusuf", "Yuriy", "Yuryeviç"]


def test_to_latin_keeps_o_after_k_because_the_orthography_does_not_mark_it():
    # Canköy and köy are spelled with a plain о after к: the letters cannot tell them from Козенко.
    assert (to_latin("Джанкой"), to_cyrillic("köy"), to_latin(to_cyrillic("köy"))) == ("Cankoy", "кой", "koy")


def test_to_latin_drops_the_soft_sign_the_latin_alphabet_has_no_letter_for():
    assert (to_latin("Эмиль"), to_latin("Керчь"), to_cyrillic(to_latin("Эмиль"))) == ("Emil", "Kerç", "Эмил")


def test_to_cyrillic_marks_front_vowel_after_k_g_with_soft_sign():
    assert [to_cyrillic(w) for w in ("kün", "Gülnara", "Türk")] == ["кунь", "Гульнара", "Тюрк"]


def test_to_cyrillic_reads_capital_dotless_i_as_y():
    assert (to_cyrillic("QIRIM"), to_cyrillic("İslâm")) == ("КЪЫРЫМ", "Ислям")


def test_to_cyrillic_keeps_letters_outside_the_alphabet():
    assert to_cyrillic("Wex") == "W\u0435x"
