import pytest

from tests.sanctions import proposal_world


@pytest.fixture
def base_world(coordinator, documenter):
    """The commission, its chair and the incidents of the 2018 vote (``proposal_world.build``); each
    module's ``world`` builds its proposals on it."""
    return proposal_world.build(coordinator, documenter)
