"""The claim tester (svidok.forensics.claims) on the official 2018 Crimea protocols and on small
synthetic scopes; every implied figure is checked against arithmetic written out in the test."""

import json

import numpy as np
import pytest

from svidok.forensics.arrays import PROTOCOL_FIELDS
from svidok.forensics.claims import Claim, ClaimError, evaluate_claim, precinct_table
from svidok.forensics.parsing import build_precincts
from tests.forensics.conftest import CRIMEA

# Official Crimea 2018 totals (data/elections/README.md), the ground every claim is measured on.
REGISTERED, ISSUED, CAST, INVALID, PUTIN = 1_508_701, 1_079_531, 1_079_295, 11_395, 994_569


@pytest.fixture(scope="module")
def crimea(precincts_2018_file):
    return precincts_2018_file.in_region(CRIMEA)


def _precincts(rows, tiks=None):
    """Synthetic precincts from (registered, issued_station, invalid, leader, other) tuples."""
    n = len(rows)
    counts = {f: [0] * n for f in PROTOCOL_FIELDS}
    for i, (registered, issued, invalid, leader, other) in enumerate(rows):
        counts["registered"][i], counts["issued_station"][i] = registered, issued
        counts["invalid"][i], counts["valid"][i] = invalid, leader + other
    return build_precincts(region=["Область А"] * n, tik=tiks or ["1 Первая"] * n, uik=[str(i + 1) for i in range(n)],
                           counts=counts, votes=[[leader, other] for *_, leader, other in rows],
                           candidates=["Иванов", "Петров"], leader=0)


# -- turnout claims -----------------------------------------------------------------------------------


def test_claim_crimea_official_figures(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 30))

    assert result["official"] == {
        "precincts": 1_206, "registered": REGISTERED, "ballots_issued": ISSUED, "ballots_cast": CAST, "invalid": INVALID,
        "leader": "Путин Владимир Владимирович", "leader_votes": PUTIN, "turnout": 71.55, "leader_share": 92.15,
        "invalid_share": 1.06,
    }


def test_claim_crimea_turnout_30_makes_58_percent_of_issued_fictitious(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 30))

    fictitious = ISSUED - 0.30 * REGISTERED  # 626,920.7
    implied = result["implied"]
    assert (result["testable"], result["consistent"]) == (True, False)
    assert (implied["real_ballots"], implied["fictitious_ballots"]) == (452_610, round(fictitious)) == (452_610, 626_921)
    assert implied["fictitious_share_of_issued"] == round(100 * fictitious / ISSUED, 2) == 58.07
    assert (implied["precincts_at_or_below"], implied["registered_at_or_below"]) == (8, 15_966)
    assert result["evidence"]["precincts_at_or_below_claimed_turnout"] == 8


def test_claim_crimea_turnout_uniform_is_the_sum_over_precincts(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 30))

    # Whole ballots per precinct: what each precinct issued above 30% of its voters.
    per_precinct = np.rint(np.clip(crimea.issued - 0.30 * crimea.registered, 0, None))
    assert result["implied"]["fictitious_uniform"] == int(per_precinct.sum()) == 627_753


def test_claim_crimea_by_tik_rows_sum_to_the_uniform_total(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 30))

    rows = result["by_tik"]
    assert len(rows) == 27
    assert sum(r["fictitious"] for r in rows) == result["implied"]["fictitious_uniform"]
    assert (sum(r["precincts"] for r in rows), sum(r["registered"] for r in rows)) == (1_206, REGISTERED)
    assert [r["fictitious"] for r in rows] == sorted((r["fictitious"] for r in rows), reverse=True)
    in_tik = crimea.tik == "22 Симферопольская"
    by_hand = np.rint(np.clip(crimea.issued - 0.30 * crimea.registered, 0, None))[in_tik].sum()
    assert (rows[0]["tik"], rows[0]["region"], rows[0]["fictitious"], rows[0]["share"]) == (
        "22 Симферопольская", CRIMEA, int(by_hand), round(100 * by_hand / crimea.issued[in_tik].sum(), 2))
    assert (rows[0]["fictitious"], rows[0]["share"]) == (52_416, 58.92)


def test_claim_by_tik_limited_to_the_largest(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 30), tik_limit=3)

    assert [r["tik"] for r in result["by_tik"]] == ["22 Симферопольская", "20 Симферополь, Киевская", "8 Керченская городская"]


def test_claim_the_official_figure_satisfies_is_consistent_with_nothing_fictitious(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 80))

    implied = result["implied"]
    assert (result["testable"], result["consistent"]) == (True, True)
    assert (implied["fictitious_ballots"], implied["fictitious_share_of_issued"]) == (0, 0.0)
    assert implied["real_ballots"] == round(0.8 * REGISTERED) == 1_206_961


@pytest.mark.parametrize(("comparator", "value", "consistent"), [
    ("ge", 70, True), ("ge", 72, False), ("approx", 71.2, True), ("eq", 71.0, False), ("le", 71.55, True),
])
def test_claim_consistency_by_comparator(crimea, comparator, value, consistent):
    assert evaluate_claim(crimea, Claim("turnout", comparator, value))["consistent"] is consistent


def test_claim_with_same_precinct_evidence_keeps_its_summary(crimea):
    change = {"matched": 1205, "median_change": 21.3, "mean_change": 20.9, "percentiles": {"50": 21.3},
              "share_increased": 97.1, "changes": [1.0, 2.0]}

    result = evaluate_claim(crimea, Claim("turnout", "le", 30), baseline_change=change)

    assert result["evidence"]["same_precinct"] == {"matched": 1205, "median_change": 21.3, "mean_change": 20.9,
                                                   "percentiles": {"50": 21.3}, "share_increased": 97.1}


def test_claim_states_what_the_methods_cannot_see(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 30))

    assert len(result["can_detect"]) == 3
    assert result["cannot_detect"][0].startswith("padding spread evenly across a whole region")
    json.dumps(result)  # JSON-ready: no NumPy values


# -- claims about a group -------------------------------------------------------------------------------


def test_claim_about_a_group_without_its_share_is_not_testable(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 10, group="Crimean Tatars"))

    assert (result["testable"], result["consistent"], result["implied"], result["by_tik"]) == (False, None, {}, [])
    assert result["reason"] == (
        "The protocols do not record who voted, so a turnout among Crimean Tatars cannot be read from them. Give the "
        "group's share of registered voters (from a census or another source) to see what the claim implies for "
        "everybody else.")


def test_claim_about_a_group_with_its_share_gives_the_turnout_others_needed(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 10, group="Crimean Tatars", group_share=12))

    group_registered = 0.12 * REGISTERED              # 181,044.12
    group_ballots = 0.10 * group_registered           # 18,104.412
    others_registered = REGISTERED - group_registered  # 1,327,656.88
    others_needed = 100 * (ISSUED - group_ballots) / others_registered  # 79.947...
    assert (result["testable"], result["consistent"]) == (True, True)
    assert result["implied"] == {
        "group_registered": 181_044,
        "group_ballots_at_most": 18_104,
        "others_turnout_needed": round(others_needed, 2),
        "impossible_without_fictitious_ballots": False,
        "fictitious_ballots_at_least": 0,
    }
    assert round(others_needed, 2) == 79.95


def test_claim_about_a_group_too_large_for_the_official_total_needs_fictitious_ballots(crimea):
    result = evaluate_claim(crimea, Claim("turnout", "le", 10, group="Crimean Tatars", group_share=50))

    others_registered = 0.5 * REGISTERED                   # 754,350.5
    at_most_real = 0.10 * 0.5 * REGISTERED + others_registered  # everybody else voting, the group at 10%
    assert result["consistent"] is False
    assert result["implied"]["others_turnout_needed"] == round(100 * (ISSUED - 0.05 * REGISTERED) / others_registered, 2) == 133.11
    assert result["implied"]["impossible_without_fictitious_ballots"] is True
    assert result["implied"]["fictitious_ballots_at_least"] == round(ISSUED - at_most_real) == 249_745


@pytest.mark.parametrize(("metric", "wording"), [("leader_share", "a leader share"), ("invalid_share", "an invalid share")])
def test_claim_about_a_group_on_other_metrics_is_not_testable(crimea, metric, wording):
    # The group must not be dropped silently: that would test a different claim (the whole electorate's).
    result = evaluate_claim(crimea, Claim(metric, "le", 10, group="Crimean Tatars", group_share=12))

    assert (result["testable"], result["consistent"], result["implied"], result["by_tik"]) == (False, None, {}, [])
    assert result["reason"] == (
        f"The protocols do not record who voted or how, so {wording} among Crimean Tatars cannot be read from them; "
        "only a turnout claim about a group can be set against the protocols, through the group's share of voters.")


def test_precinct_table_adds_up_to_the_uniform_total(crimea):
    claim = Claim("turnout", "le", 30)
    result = evaluate_claim(crimea, claim)

    table = precinct_table(crimea, claim)

    assert len(table) == 1_206
    assert sum(r["fictitious"] for r in table) == result["implied"]["fictitious_uniform"]
    assert table[:30] == result["by_precinct"]


def test_precinct_table_of_a_group_claim_is_empty(crimea):
    assert precinct_table(crimea, Claim("leader_share", "le", 10, group="Crimean Tatars")) == []
    assert precinct_table(crimea, Claim("turnout", "le", 10, group="Crimean Tatars", group_share=12)) == []


# -- other metrics -------------------------------------------------------------------------------------


def test_claim_invalid_share_8_percent_counts_the_ballots_taken_as_valid(crimea):
    result = evaluate_claim(crimea, Claim("invalid_share", "approx", 8))

    claimed = 0.08 * CAST  # 86,343.6
    assert result["consistent"] is False
    assert result["implied"] == {
        "claimed_invalid": round(claimed),
        "official_invalid": INVALID,
        "invalid_counted_as_valid": round(claimed - INVALID),
        "share_of_cast": round(100 * (claimed - INVALID) / CAST, 2),
        "precincts_at_or_above": 3,
    }
    assert (result["implied"]["claimed_invalid"], result["implied"]["invalid_counted_as_valid"]) == (86_344, 74_949)
    assert result["by_tik"] == []


def test_claim_leader_share_50_percent_counts_excess_votes(crimea):
    result = evaluate_claim(crimea, Claim("leader_share", "le", 50))

    excess = PUTIN - 0.5 * CAST  # 454,921.5
    implied = result["implied"]
    assert result["consistent"] is False
    assert (implied["real_leader_votes"], implied["excess_leader_votes"]) == (round(0.5 * CAST), round(excess))
    assert implied["excess_share_of_cast"] == round(100 * excess / CAST, 2) == 42.15
    assert implied["precincts_at_or_below"] == 0
    assert sum(r["fictitious"] for r in result["by_tik"]) == implied["excess_uniform"]


# -- small scopes, by hand -----------------------------------------------------------------------------------


def test_claim_on_two_precincts_by_hand():
    p = _precincts([(1000, 700, 10, 600, 90), (1000, 250, 0, 150, 100)], tiks=["1 Первая", "2 Вторая"])

    result = evaluate_claim(p, Claim("turnout", "le", 30))

    # 950 issued of 2000: 950 - 600 = 350 fictitious overall; uniformly only the first precinct, 700 - 300 = 400.
    assert result["implied"] == {"real_ballots": 600, "fictitious_ballots": 350, "fictitious_share_of_issued": 36.84,
                                 "fictitious_uniform": 400, "precincts_at_or_below": 1, "registered_at_or_below": 1000}
    assert [(r["tik"], r["fictitious"], r["share"]) for r in result["by_tik"]] == [("1 Первая", 400, 57.14),
                                                                                   ("2 Вторая", 0, 0.0)]


def test_claim_on_a_scope_with_no_ballots_issued_is_consistent():
    p = _precincts([(1000, 0, 0, 0, 0)])

    result = evaluate_claim(p, Claim("turnout", "le", 30))

    assert (result["consistent"], result["official"]["turnout"]) == (True, 0.0)
    assert (result["implied"]["fictitious_ballots"], result["implied"]["fictitious_share_of_issued"]) == (0, 0.0)


@pytest.mark.parametrize("metric", ["leader_share", "invalid_share"])
def test_claim_on_a_scope_with_no_ballots_cast_does_not_fail(metric):
    p = _precincts([(1000, 0, 0, 0, 0)])

    result = evaluate_claim(p, Claim(metric, "le", 30))

    assert (result["consistent"], result["official"][metric]) == (None, None)
    assert json.dumps(result)


# -- claims that cannot be tested as stated ----------------------------------------------------------------


@pytest.mark.parametrize(("claim", "field", "message"), [
    (Claim("turnout", "le", 150), "value", "value: 150 is not a percentage between 0 and 100."),
    (Claim("turnout", "le", -1), "value", "value: -1 is not a percentage between 0 and 100."),
    (Claim("foo", "le", 30), "metric", "metric: 'foo' cannot be tested; use one of turnout, leader_share, invalid_share."),
    (Claim("turnout", "lt", 30), "comparator", "comparator: 'lt' is not one of le, eq, approx, ge."),
    (Claim("turnout", "le", 10, group="Crimean Tatars", group_share=0), "group_share",
     "group_share: 0 is not a share strictly between 0 and 100%."),
    (Claim("turnout", "le", 10, group="Crimean Tatars", group_share=100), "group_share",
     "group_share: 100 is not a share strictly between 0 and 100%."),
])
def test_claim_that_cannot_be_tested_names_the_field(crimea, claim, field, message):
    with pytest.raises(ClaimError) as caught:
        evaluate_claim(crimea, claim)

    assert (caught.value.field, str(caught.value)) == (field, message)


def test_claim_on_no_precincts_names_the_scope(crimea):
    with pytest.raises(ClaimError) as caught:
        evaluate_claim(crimea.in_region("Нет такой"), Claim("turnout", "le", 30))

    assert (caught.value.field, str(caught.value)) == ("scope", "scope: No precincts to test the claim against.")
