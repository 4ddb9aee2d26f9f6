"""Statistics of svidok.forensics.stats, on the shipped 2016/2018 files and on synthetic precincts."""

import json
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import binom

from svidok.forensics import stats
from svidok.forensics.arrays import PROTOCOL_FIELDS
from svidok.forensics.parsing import build_precincts
from tests.forensics.conftest import CRIMEA, SEVASTOPOL

# Published figures: Kobak, Shpilkin & Pshenichnikov (integer test, 2018 excess) and Shpilkin (2018).
PUBLISHED_EXCESS = {"either": 1708.8, "result": 859.0, "turnout": 1296.2}
PUBLISHED_SHPILKIN = 9_947_000


@pytest.fixture(scope="module")
def p2018(precincts_2018_file):
    return precincts_2018_file


@pytest.fixture(scope="module")
def p2016(parsed_2016_file):
    return parsed_2016_file.to_precincts()


@pytest.fixture(scope="module")
def test2018(p2018):
    return stats.integer_test(p2018, replicates=1000, seed=0)


def make(rows, *, regions=None, uiks=None):
    """Synthetic precincts from (registered, issued_station, invalid, leader, other) tuples."""
    n = len(rows)
    counts = {f: [0] * n for f in PROTOCOL_FIELDS}
    votes = []
    for i, (registered, issued, invalid, leader, other) in enumerate(rows):
        counts["registered"][i] = registered
        counts["issued_station"][i] = issued
        counts["invalid"][i] = invalid
        counts["valid"][i] = leader + other
        votes.append([leader, other])
    return build_precincts(
        region=regions or ["R"] * n, tik=["T"] * n, uik=uiks or [str(i + 1) for i in range(n)],
        counts=counts, votes=votes, candidates=["Leader", "Other"], leader=0,
    )


def assert_plain_json(value):
    """Only Python builtins all the way down: no NumPy scalars reach the JSON output."""
    if isinstance(value, dict):
        assert all(type(k) is str for k in value)
        for v in value.values():
            assert_plain_json(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain_json(v)
    else:
        assert value is None or type(value) in (int, float, str, bool), type(value)


# -- summary ---------------------------------------------------------------------------------


def test_summary_2018_matches_official_totals(p2018):
    s = stats.summary(p2018)

    assert (s["precincts"], s["excluded"]) == (97_699, 0)
    assert s["registered"] == 109_008_428
    assert s["ballots_issued"] == 73_629_581
    assert round(s["turnout"], 2) == 67.54
    assert s["leader"] == "Путин Владимир Владимирович"
    assert s["leader_votes"] == 56_430_712
    assert round(s["leader_share"], 2) == 76.69
    assert s["ballots_cast"] == s["valid"] + s["invalid"]
    assert sum(c["votes"] for c in s["candidates"]) == s["valid"]


def test_summary_crimea_matches_official_totals(p2018):
    s = stats.summary(p2018.in_region(CRIMEA))

    assert (s["registered"], s["ballots_issued"], s["leader_votes"]) == (1_508_701, 1_079_531, 994_569)
    assert (round(s["turnout"], 2), round(s["leader_share"], 2)) == (71.55, 92.15)


def test_summary_sevastopol_matches_official_totals(p2018):
    s = stats.summary(p2018.in_region(SEVASTOPOL))

    assert (s["registered"], s["ballots_issued"], s["leader_votes"]) == (339_010, 242_176, 218_303)
    assert (round(s["turnout"], 2), round(s["leader_share"], 2)) == (71.44, 90.19)


def test_summary_shares_computed_from_totals():
    p = make([(1000, 600, 10, 400, 190), (1000, 400, 0, 100, 300)])
    counts = dict(p.counts)
    counts["issued_outside"] = np.array([50, 0])
    counts["issued_early"] = np.array([0, 20])
    p = build_precincts(region=list(p.region), tik=list(p.tik), uik=list(p.uik), counts=counts,
                        votes=p.votes.tolist(), candidates=p.candidates, leader=0)

    s = stats.summary(p)

    assert s["ballots_issued"] == 1070
    assert s["turnout"] == 53.5
    assert s["ballots_cast"] == 1000
    assert s["leader_share"] == 50.0
    assert s["invalid_share"] == 1.0
    assert s["home_voting_share"] == 100 * 50 / 1070
    assert s["early_share"] == 100 * 20 / 1070
    assert s["candidates"] == [{"name": "Leader", "votes": 500, "share": 50.0},
                               {"name": "Other", "votes": 490, "share": 49.0}]
    assert_plain_json(s)


def test_summary_zero_denominators_are_none():
    s = stats.summary(make([(0, 0, 0, 0, 0)]))

    assert (s["turnout"], s["leader_share"], s["home_voting_share"]) == (None, None, None)


# -- integer percentages and their probability ------------------------------------------------


def brute_is_integer(k: int, n: int) -> bool:
    x = Fraction(100 * k, n)
    return abs(x - round(x)) <= Fraction(1, 20)


def test_is_integer_percent_matches_exact_fractions():
    ns, ks = zip(*[(n, k) for n in range(1, 260) for k in range(n + 1)], strict=True)

    got = stats.is_integer_percent(np.array(ks), np.array(ns))

    assert got.tolist() == [brute_is_integer(k, n) for k, n in zip(ks, ns, strict=True)]


def test_is_integer_percent_counts_values_exactly_005_away():
    # 241/2000 = 12.05% and 239/2000 = 11.95% (floating point puts 12.05 - 12 above 0.05).
    got = stats.is_integer_percent(np.array([241, 239, 242, 2003]), np.array([2000, 2000, 2000, 4000]))

    assert got.tolist() == [True, True, False, False]


def brute_probability(n: int, q: float) -> float:
    k = np.arange(n + 1)
    integer = np.array([brute_is_integer(int(i), n) for i in k])
    return float(binom.pmf(k, n, q)[integer].sum())


@pytest.mark.parametrize("q", [0.0, 0.003, 0.05, 0.31, 0.5, 0.67, 0.93, 0.99])
def test_integer_probability_small_n_matches_enumeration(q):
    ns = np.arange(1, 301)

    got = stats.integer_probability(ns, q)

    expected = np.array([brute_probability(int(n), q) for n in ns])
    assert np.abs(got - expected).max() < 1e-13


@pytest.mark.parametrize(("n", "q"), [(2000, 0.6005), (4000, 0.1), (7746, 0.67), (12_000, 0.999), (6000, 0.002)])
def test_integer_probability_large_n_matches_enumeration(n, q):
    got = stats.integer_probability(np.array([n]), np.array([q]))[0]

    assert abs(got - brute_probability(n, q)) < 1e-13


def test_integer_probability_with_n_below_one_raises():
    with pytest.raises(ValueError, match="n >= 1"):
        stats.integer_probability(np.array([0, 5]), 0.5)


# -- integer test ----------------------------------------------------------------------------


def test_integer_test_2018_uses_91152_precincts(test2018):
    assert test2018["precincts"] == 91_152
    assert (test2018["replicates"], test2018["seed"], test2018["tolerance_pp"]) == (1000, 0, 0.05)


def test_integer_test_2018_observed_counts_match_published(test2018):
    assert test2018["observed"] == {"either": 19_271, "result": 10_116, "turnout": 10_543}


def test_integer_test_2018_excess_within_3_sd_of_published(test2018):
    for kind, published in PUBLISHED_EXCESS.items():
        assert abs(test2018["excess"][kind] - published) <= 3 * test2018["sd"][kind], kind
        assert test2018["z"][kind] > 5, kind
        assert test2018["p"][kind] == round(1 / 1001, 6), kind


def test_integer_test_2018_simulation_agrees_with_exact_mean(test2018):
    # The Monte Carlo mean must sit within 4 standard errors of the exact expectation, plain and weighted.
    blocks = [test2018] + [test2018["weighted"][w] for w in stats.WEIGHTS]
    for block in blocks:
        for kind in stats.KINDS:
            standard_error = block["sd"][kind] / np.sqrt(1000)
            assert abs(block["expected"][kind] - block["analytic"]["expected"][kind]) < 4 * standard_error, kind


def test_integer_test_2018_weighted_observed(p2018, test2018):
    mask = stats.integer_test_sample(p2018)
    turnout_integer = stats.is_integer_percent(p2018.issued[mask], p2018.registered[mask])

    weighted = test2018["weighted"]

    assert weighted["registered"]["observed"]["turnout"] == int(p2018.registered[mask][turnout_integer].sum())
    assert weighted["ballots"]["observed"]["turnout"] == int(p2018.cast[mask][turnout_integer].sum())
    assert weighted["leader_votes"]["observed"]["turnout"] == int(p2018.leader_votes[mask][turnout_integer].sum())
    assert set(weighted["ballots"]) == {"observed", "expected", "sd", "excess", "z", "p", "analytic"}


def test_integer_test_2018_is_plain_json(test2018):
    assert_plain_json(test2018)
    assert json.loads(json.dumps(test2018)) == test2018


def test_integer_test_crimea_not_significant(p2018):
    result = stats.integer_test(p2018.in_region(CRIMEA), replicates=1000, seed=0)

    assert result["precincts"] == 1173
    assert result["observed"] == {"either": 236, "result": 121, "turnout": 128}
    assert abs(result["z"]["either"]) < 2
    assert result["p"]["either"] > 0.05


def test_integer_test_same_seed_gives_identical_output(p2018):
    crimea = p2018.in_region(CRIMEA)

    first = stats.integer_test(crimea, replicates=300, seed=42)
    second = stats.integer_test(crimea, replicates=300, seed=42)
    other = stats.integer_test(crimea, replicates=300, seed=43)

    assert first == second
    assert other["expected"] != first["expected"]
    assert other["observed"] == first["observed"]


def synthetic_precincts(count: int, forced: int, seed: int):
    """Precincts drawn from the binomial null, the first ``forced`` with turnout and result moved to
    the nearest whole percentage (as a falsifier who writes round numbers would)."""
    rng = np.random.default_rng(seed)
    registered = rng.integers(1000, 3000, count)
    issued = rng.binomial(registered, rng.uniform(0.45, 0.85, count))
    cast = issued
    leader = rng.binomial(cast, rng.uniform(0.5, 0.8, count))
    # With n >= 1000 the nearest count to a whole percentage is within 0.05 points of it.
    issued[:forced] = np.round(registered[:forced] * np.round(100 * issued[:forced] / registered[:forced]) / 100)
    cast[:forced] = issued[:forced]
    leader[:forced] = np.round(cast[:forced] * np.round(100 * leader[:forced] / cast[:forced]) / 100)
    rows = [(int(r), int(i), 0, int(lv), int(c - lv)) for r, i, c, lv in zip(registered, issued, cast, leader, strict=True)]
    return make(rows)


def test_integer_test_forced_integer_percentages_give_large_z():
    p = synthetic_precincts(3000, forced=300, seed=1)

    result = stats.integer_test(p, replicates=500, seed=0)

    assert result["precincts"] == 3000
    assert result["observed"]["turnout"] >= 300
    assert result["observed"]["result"] >= 300
    for kind in stats.KINDS:
        assert result["z"][kind] > 8, kind
        assert result["p"][kind] == round(1 / 501, 6), kind


def test_integer_test_clean_precincts_not_significant():
    p = synthetic_precincts(3000, forced=0, seed=1)

    result = stats.integer_test(p, replicates=500, seed=0)

    for kind in stats.KINDS:
        assert abs(result["z"][kind]) < 3, kind
        assert result["p"][kind] > 0.01, kind


def test_integer_test_excludes_precincts_outside_the_sample():
    p = make([
        (1000, 500, 0, 250, 250),   # in: 50% / 50%
        (99, 50, 0, 25, 25),        # out: fewer than 100 registered
        (1000, 995, 0, 500, 495),   # out: turnout above 99%
        (1000, 500, 0, 496, 4),     # out: leader above 99%
        (1000, 0, 0, 0, 0),         # out: nothing cast
        (1000, 990, 0, 990 * 99 // 100, 990 - 990 * 99 // 100),  # in: exactly 99% / 99%
    ])

    result = stats.integer_test(p, replicates=10, seed=0)

    assert result["precincts"] == 2
    assert result["observed"] == {"either": 2, "result": 2, "turnout": 2}
    assert result["weighted"]["registered"]["observed"]["either"] == 2000
    assert result["weighted"]["ballots"]["observed"]["result"] == 1490
    assert result["weighted"]["leader_votes"]["observed"]["turnout"] == 250 + 980


def test_integer_test_reports_progress():
    p = synthetic_precincts(200, forced=0, seed=2)
    calls = []

    stats.integer_test(p, replicates=150, seed=0, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(64, 150), (128, 150), (150, 150)]


def test_integer_test_with_no_precinct_in_the_sample_reports_zeros():
    result = stats.integer_test(make([(50, 25, 0, 10, 15)]), replicates=20, seed=0)

    assert result["precincts"] == 0
    assert result["observed"] == {"either": 0, "result": 0, "turnout": 0}
    assert result["expected"] == {"either": 0.0, "result": 0.0, "turnout": 0.0}
    assert result["z"] == {"either": None, "result": None, "turnout": None}
    assert_plain_json(result)


def test_integer_test_zero_replicates_raises():
    with pytest.raises(ValueError, match="replicates"):
        stats.integer_test(make([(1000, 500, 0, 250, 250)]), replicates=0)


# -- Shpilkin --------------------------------------------------------------------------------


def test_shpilkin_2018_within_10_percent_of_published(p2018):
    result = stats.shpilkin(p2018)

    assert abs(result["anomalous_votes"] - PUBLISHED_SHPILKIN) <= 0.1 * PUBLISHED_SHPILKIN
    assert result["peak_turnout"] == 61.0
    assert result["bin_width"] == 1.0
    assert [s["bin_width"] for s in result["sensitivity"]] == [0.5, 1.0, 2.0]
    assert result["sensitivity"][1]["anomalous_votes"] == result["anomalous_votes"]
    assert_plain_json(result)


@pytest.mark.parametrize("region", [CRIMEA, SEVASTOPOL])
def test_shpilkin_crimea_and_sevastopol_near_zero(p2018, region):
    result = stats.shpilkin(p2018.in_region(region))

    assert abs(result["anomalous_votes"]) <= 30_000


def test_shpilkin_known_answer():
    # Clean peak at 50% (leader = other); the 90% precinct has 500 votes above ratio * other.
    p = make([(1000, 500, 0, 250, 250), (1000, 900, 0, 700, 200)])

    result = stats.shpilkin(p, bin_width=5)

    assert result["anomalous_votes"] == 500.0
    assert result["peak_turnout"] == 50.0
    assert result["ratio"] == 1.0
    assert [s["bin_width"] for s in result["sensitivity"]] == [0.5, 1.0, 2.0, 5.0]
    assert [s["anomalous_votes"] for s in result["sensitivity"]] == [500.0] * 4
    assert len(result["bins"]) == 19
    assert result["bins"][10] == {"turnout_from": 50.0, "leader": 250, "other": 250, "expected_leader": 250.0}
    assert result["bins"][18] == {"turnout_from": 90.0, "leader": 700, "other": 200, "expected_leader": 200.0}


def test_shpilkin_bins_turnout_on_an_edge_exactly():
    # 67/100 and 335/500 are exactly 67%: bin 67 (1-point bins) and bin 134 (half-point bins).
    p = make([(100, 67, 0, 30, 37), (500, 335, 0, 100, 235)])

    one = stats.shpilkin(p, bin_width=1)
    half = stats.shpilkin(p, bin_width=0.5)

    assert one["peak_turnout"] == 67.0
    assert half["peak_turnout"] == 67.0
    assert len(one["bins"]) == 68


# -- same-precinct comparison ----------------------------------------------------------------


def test_same_precinct_crimea_2016_to_2018(p2016, p2018):
    result = stats.same_precinct(p2016.in_region(CRIMEA), p2018.in_region(CRIMEA))

    assert result["matched"] == 1205
    assert (result["unmatched_first"], result["unmatched_second"]) == (2, 1)
    assert result["median_change"] == 21.097
    assert result["percentiles"]["50"] == result["median_change"]
    assert list(result["percentiles"]) == ["5", "25", "50", "75", "95"]
    assert len(result["changes"]) == 1205
    assert result["share_increased"] == 96.515
    assert_plain_json(result)


def test_match_precincts_skips_duplicates_and_unnumbered():
    a = make([(100, 50, 0, 25, 25)] * 5, regions=["A", "A", "A", "B", "A"], uiks=["1", "2", "2", "1", "УИК"])
    b = make([(100, 60, 0, 30, 30), (100, 70, 0, 30, 40), (100, 80, 0, 40, 40)],
             regions=["A", "B", "A"], uiks=["УИК №1", "1", "2"])

    ia, ib, info = stats.match_precincts(a, b)

    assert ia.tolist() == [0, 3]
    assert ib.tolist() == [0, 1]
    assert info == {"matched": 2, "unmatched_first": 0, "unmatched_second": 1, "unnumbered_first": 1,
                    "unnumbered_second": 0, "duplicate_first": 2, "duplicate_second": 0, "commission_differs": 0}


def test_turnout_changes_in_percentage_points():
    a = make([(100, 50, 0, 25, 25), (200, 100, 0, 50, 50)])
    b = make([(100, 71, 0, 30, 41), (200, 90, 0, 40, 50)])

    changes, info = stats.turnout_changes(a, b)

    assert changes.tolist() == [21.0, -5.0]
    assert info["no_voters"] == 0
    result = stats.same_precinct(a, b)
    assert (result["median_change"], result["mean_change"], result["share_increased"]) == (8.0, 8.0, 50.0)


def test_same_precinct_nothing_matched_gives_none():
    result = stats.same_precinct(make([(100, 50, 0, 25, 25)], regions=["A"]),
                                 make([(100, 50, 0, 25, 25)], regions=["B"]))

    assert result["matched"] == 0
    assert result["median_change"] is None
    assert result["percentiles"] == {"5": None, "25": None, "50": None, "75": None, "95": None}
    assert result["changes"] == []


# -- histograms ------------------------------------------------------------------------------


def test_histogram_counts_ignore_nan_and_close_last_bin():
    result = stats.histogram([0.0, 9.99, 10.0, 100.0, float("nan")], bins=10)

    assert result["edges"] == [float(x) for x in range(0, 101, 10)]
    assert result["counts"] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_histogram_weighted_by_voters(p2018):
    crimea = p2018.in_region(CRIMEA)

    result = stats.histogram(stats.turnout_percent(crimea), bins=100, weights=crimea.registered)

    assert sum(result["counts"]) == 1_508_701
    assert all(type(c) is int for c in result["counts"])


def test_histogram2d_of_turnout_and_leader_share():
    p = make([(1000, 500, 0, 250, 250), (1000, 900, 0, 700, 200), (0, 0, 0, 0, 0)])

    result = stats.histogram2d(stats.turnout_percent(p), stats.leader_share_percent(p), bins=10)

    assert result["counts"][5][5] == 1
    assert result["counts"][9][7] == 1
    assert sum(map(sum, result["counts"])) == 2
