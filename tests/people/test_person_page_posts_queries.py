"""The person page names each post's organization in the reader's language without a query per post."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.people.services import record_occupancy, record_position
from tests import factories
from tests.helpers import login


def _posts(coordinator, person, count):
    for number in range(count):
        organization = factories.organization(coordinator, name=f"Commission {number}")
        post = record_position(actor=coordinator, organization=organization, title="Chair")
        record_occupancy(actor=coordinator, person=person, position=post, start_date=dt.date(2014, 3, 1 + number))


def test_person_page_queries_do_not_grow_with_posts(client, coordinator, django_assert_max_num_queries, vocabularies):
    person = factories.person(coordinator, name="Petro Petrenko")
    _posts(coordinator, person, 1)
    login(client, coordinator)
    client.get(f"/people/persons/{person.uuid}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/people/persons/{person.uuid}/")
    _posts(coordinator, person, 5)

    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(f"/people/persons/{person.uuid}/").content.decode()

    assert page.count("Commission ") >= 6
