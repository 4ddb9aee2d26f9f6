"""``matching_ids`` scans each index range once: a key that another key of the same word starts is dropped."""

import pytest

from svidok.search.api import matching_ids, shortest_prefixes
from svidok.search.normalize import query_keys


def test_keys_under_a_shorter_key_are_dropped():
    assert shortest_prefixes({"savcanka", "savcank"}) == ["savcank"]
    assert shortest_prefixes({"ab", "abc", "abd", "b", "ba"}) == ["ab", "b"]
    assert shortest_prefixes({"kurbadanav"}) == ["kurbadanav"]
    assert shortest_prefixes({"ab", "abb", "abc"}) == ["ab"]


def test_a_word_ending_in_a_vowel_is_one_range():
    (keys,) = query_keys("Шевченко")
    assert len(keys) > 1
    assert shortest_prefixes(keys) == ["savcank"]


@pytest.mark.django_db
def test_the_dropped_keys_find_nothing_more(documenter):
    from tests import factories

    exact = factories.incident(documenter, title="Шевченко dismissed")
    longer = factories.incident(documenter, title="Shevchenkova threatened")
    factories.incident(documenter, title="Kovalenko detained")

    for q in ("Шевченко", "Shevchenko", "Shevchenk"):
        assert set(matching_ids("incident", q).values_list("object_id", flat=True)) == {exact.pk, longer.pk}
