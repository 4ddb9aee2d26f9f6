import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.incidents.services import add_involvement
from svidok.people.services import add_name_variant
from tests import factories

pytestmark = pytest.mark.django_db


def _queries_of_renaming(coordinator, incidents: int) -> int:
    perpetrator = factories.person(coordinator, name=f"Mikhail Malyshev {incidents}")
    for n in range(incidents):
        incident = factories.incident(coordinator, title=f"Incident {n}")
        add_involvement(actor=coordinator, incident=incident, person=perpetrator, role=factories.term("involvement_role", "perpetrator"))
    with CaptureQueriesContext(connection) as captured:
        add_name_variant(actor=coordinator, person=perpetrator, name="Михаил Малышев", lang="ru")
    return len(captured.captured_queries)


def test_renaming_a_person_reindexes_their_incidents_in_constant_queries(coordinator):
    assert _queries_of_renaming(coordinator, 2) == _queries_of_renaming(coordinator, 12)
