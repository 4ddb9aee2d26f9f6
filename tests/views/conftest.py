"""Shared world for the page tests: a small gazetteer, an election, incidents in several states."""

import datetime as dt

import pytest

from svidok.incidents import search_index as indexing
from svidok.incidents.models import Place
from svidok.incidents.services import record_election, submit_incident, verify_incident
from tests import factories
from tests.conftest import PASSWORD


@pytest.fixture
def places(db):
    # Reference data: the gazetteer loader writes Place rows directly, and so do these tests.
    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_ru="Автономная Республика Крым", name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    hromada = Place.objects.create(code="UA01020010000079335", category="H", name_uk="Бахчисарайська",
                                   name_latin="Bakhchysaraiska", parent=raion, region=crimea, raion=raion)
    town = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_ru="Бахчисарай",
                                name_latin="Bakhchysarai", name_crh="Bağçasaray", parent=hromada, region=crimea, raion=raion)
    indexing.index_places([crimea, raion, hromada, town])
    return {"crimea": crimea, "raion": raion, "hromada": hromada, "town": town}


@pytest.fixture
def election(coordinator):
    return record_election(actor=coordinator, fields={"name": "Russian presidential election 2018 in Crimea",
                                                       "name_uk": "Вибори президента РФ 2018 у Криму",
                                                       "date": dt.date(2018, 3, 18)})


@pytest.fixture
def verified(documenter, coordinator):
    """A verified incident, visible to every role."""
    incident = factories.incident(documenter, title="Teacher dismissed for not voting", sensitivity="internal")
    submit_incident(actor=documenter, incident=incident)
    return verify_incident(actor=coordinator, incident=incident)


@pytest.fixture
def draft(documenter):
    return factories.incident(documenter, title="Draft about a threat", type_code="threat_of_dismissal")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client
