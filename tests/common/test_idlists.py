import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.common.idlists import among
from svidok.incidents.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def test_among_selects_the_ids_given_as_one_parameter(documenter):
    made = [factories.incident(documenter, title=f"Incident {n}") for n in range(4)]
    wanted = [made[3].pk, made[0].pk, made[0].pk, 10**12]

    with CaptureQueriesContext(connection) as queries:
        found = set(Incident.objects.filter(pk__in=among(wanted)).values_list("pk", flat=True))

    assert found == {made[0].pk, made[3].pk}
    assert len(queries) == 1
    assert len(Incident.objects.filter(pk__in=among(wanted)).query.sql_with_params()[1]) == 1  # one array, not one per id
    assert list(Incident.objects.filter(pk__in=among([]))) == []


def test_among_takes_more_ids_than_sqlite_takes_parameters(documenter):
    incident = factories.incident(documenter)

    assert list(Incident.objects.filter(pk__in=among(range(incident.pk, incident.pk + 40_000))).values_list("pk", flat=True)) == [incident.pk]


def test_among_refuses_what_is_not_an_integer():
    with pytest.raises(ValueError):
        among(["1 OR 1=1"])
