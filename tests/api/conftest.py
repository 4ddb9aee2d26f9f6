import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """A client factory: ``api(user)`` signs in as ``user``; ``api()`` is anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
