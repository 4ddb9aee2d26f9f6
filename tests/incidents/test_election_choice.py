"""The incident form's election list names each vote with its date in the reader's language."""

import datetime as dt

import pytest
from django.utils import translation

from svidok.incidents.forms import ElectionChoiceField
from svidok.incidents.models import Election

ELECTION = Election(name="Presidential election 2018", name_uk="Вибори президента 2018", date=dt.date(2018, 3, 18))


@pytest.mark.parametrize(("language", "label"), [
    ("en", "Presidential election 2018 (March 18, 2018)"),
    ("uk", "Вибори президента 2018 (18 березня 2018 р.)"),
    ("ru", "Presidential election 2018 (18 марта 2018 г.)"),
    ("crh", "Presidential election 2018 (18 mart 2018)"),
])
def test_election_choice_says_the_date_in_the_readers_language(language, label):
    with translation.override(language):
        assert ElectionChoiceField(required=False).label_from_instance(ELECTION) == label
