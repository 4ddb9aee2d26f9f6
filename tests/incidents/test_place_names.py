"""Places and organizations named in the reader's language: English exonyms (data/gazetteer/exonyms.csv),
the gazetteer's Russian and Crimean Tatar names, organizations' recorded name variants."""

import pytest
from django.utils import translation

from svidok.incidents.models import Place
from svidok.people.services import record_organization

pytestmark = pytest.mark.django_db

ARC = "UA01000000000013043"


def name_in(obj, lang, attribute="name"):
    with translation.override(lang):
        return getattr(obj, attribute)


def test_place_name_english_uses_the_exonym_not_the_transliteration():
    arc = Place.objects.create(code=ARC, category="O", name_uk="Автономна Республіка Крим",
                               name_latin="Avtonomna Respublika Krym", name_ru="Автономная Республика Крым")

    assert [name_in(arc, lang) for lang in ("en", "uk", "ru", "crh")] == [
        "Autonomous Republic of Crimea", "Автономна Республіка Крим", "Автономная Республика Крым",
        "Avtonomna Respublika Krym"]


def test_place_name_oblast_reads_as_english_says_it():
    kherson = Place.objects.create(code="UA65000000000030969", category="O", name_uk="Херсонська", name_latin="Khersonska")

    assert name_in(kherson, "en") == "Kherson Oblast"


def test_place_name_without_exonym_falls_back_by_script():
    village = Place.objects.create(code="UA01020010010073418", category="C", name_uk="Аромат", name_latin="Aromat",
                                   name_crh="Aromat köyü")
    bare = Place.objects.create(code="UA01020010020010555", category="C", name_uk="Тінисте")

    assert [name_in(village, lang) for lang in ("en", "uk", "ru", "crh")] == ["Aromat", "Аромат", "Аромат", "Aromat köyü"]
    assert [name_in(bare, lang) for lang in ("en", "ru", "crh")] == ["Тінисте", "Тінисте", "Тінисте"]


def test_organization_reader_name_uses_the_variant_of_the_reader_language(coordinator):
    mejlis = record_organization(actor=coordinator, name="Mejlis of the Crimean Tatar People", names=[
        {"name": "Qırımtatar Milliy Meclisi", "lang": "crh", "kind": "official"},
        {"name": "Меджліс кримськотатарського народу", "lang": "uk", "kind": "official"}])

    assert [name_in(mejlis, lang, "reader_name") for lang in ("en", "uk", "ru", "crh")] == [
        "Mejlis of the Crimean Tatar People", "Меджліс кримськотатарського народу",
        "Меджліс кримськотатарського народу", "Qırımtatar Milliy Meclisi"]


def test_organization_reader_name_english_variant_for_a_cyrillic_record(coordinator):
    commission = record_organization(actor=coordinator, name="Избирательная комиссия Республики Крым", names=[
        {"name": "Election Commission of the Republic of Crimea", "lang": "en", "kind": "official"}])

    assert (name_in(commission, "en", "reader_name"), name_in(commission, "uk", "reader_name")) == (
        "Election Commission of the Republic of Crimea", "Избирательная комиссия Республики Крым")


def test_organization_pages_show_the_ukrainian_name_to_ukrainian_readers(client, coordinator):
    from tests.helpers import login

    mission = record_organization(actor=coordinator, name="Permanent Mission of Ukraine in Vienna", names=[
        {"name": "Постійне представництво України у Відні", "lang": "uk", "kind": "official"}])
    login(client, coordinator)

    detail = client.get(f"/people/organizations/{mission.uuid}/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    listing = client.get("/people/organizations/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert "<h1>Постійне представництво України у Відні</h1>" in detail
    assert ">Постійне представництво України у Відні</a>" in listing
