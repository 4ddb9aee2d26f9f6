"""The Klimek et al. (PNAS 2012) fraud model of svidok.forensics.klimek: simulation, fair part, fit."""

import json
import math

import numpy as np
import pytest

from svidok.forensics import klimek
from svidok.forensics.klimek import Params
from tests.forensics.conftest import CRIMEA

# Fair parameters Mebane and Kalinin fitted to the 2016 Duma election (data/elections/mebane-kalinin.txt).
MEBANE_2016 = {"tau": 0.4788136, "sigma_tau": 0.1251722, "nu": 0.4912718, "sigma_nu": 0.1298218, "theta": 0.2659682}
# An election on a grid point of the default grid (f_i 0.05, f_e 0.01, alpha 0.5 steps).
KNOWN = Params(f_i=0.3, f_e=0.02, alpha=2.0, tau=0.6, sigma_tau=0.08, nu=0.65, sigma_nu=0.1, theta=0.3)


def corner(turnout, share) -> int:
    """Units above 95% turnout and 95% leader share."""
    return int(((turnout > 0.95) & (share > 0.95)).sum())


def fair_params(estimate: dict) -> Params:
    return Params(0.0, 0.0, 1.0, *(estimate[k] for k in ("tau", "sigma_tau", "nu", "sigma_nu", "theta")))


@pytest.fixture(scope="module")
def p2018(precincts_2018_file):
    return precincts_2018_file


@pytest.fixture(scope="module")
def registered_2018(p2018):
    return p2018.registered[p2018.registered > 0]


@pytest.fixture(scope="module")
def fit_2018(p2018):
    return klimek.fit(p2018)


# --- simulation ---------------------------------------------------------------------------------

def test_simulate_fair_2018_estimate_puts_no_unit_above_95_95(p2018, registered_2018):
    params = fair_params(klimek.estimate_fair(p2018))

    turnout, share = klimek.simulate(params, registered_2018, 0)

    assert corner(turnout, share) == 0


def test_simulate_fair_mebane_2016_parameters_puts_no_unit_above_95_95(registered_2018):
    turnout, share = klimek.simulate(fair_params(MEBANE_2016), registered_2018, 0)

    assert corner(turnout, share) == 0


def test_simulate_extreme_fraud_fills_the_95_95_corner(registered_2018):
    params = Params(0.0, 0.033, 2.3, 0.6, 0.08, 0.65, 0.1, 0.3)

    turnout, share = klimek.simulate(params, registered_2018, 0)

    # 3.3% of 97,699 units is about 3,224; x = 1 - |N(0, 0.075)| is above 0.94 for half of them,
    # which is what it takes to carry a unit of 60% turnout and 65% share past 95/95.
    assert corner(turnout, share) > 0.75 * 0.033 * registered_2018.size


def test_simulate_same_seed_gives_same_election(registered_2018):
    first = klimek.simulate(KNOWN, registered_2018, 7)
    second = klimek.simulate(KNOWN, registered_2018, np.random.default_rng(7))

    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_simulate_gives_shares_of_whole_counts():
    registered = np.array([7, 30, 1000, 2500])

    p = klimek.simulate_precincts(KNOWN, registered, 3)
    turnout, share = klimek.simulate(KNOWN, registered, 3)

    assert np.array_equal(turnout, p.issued / p.registered)
    assert np.array_equal(share, p.leader_votes / p.cast)
    assert p.registered.tolist() == [7, 30, 1000, 2500]


def test_simulate_fraud_only_raises_turnout_and_share(registered_2018):
    fair = klimek.simulate(Params(0.0, 0.0, 2.0, 0.6, 0.08, 0.65, 0.1, 0.3), registered_2018, 5)
    fraud = klimek.simulate(Params(0.5, 0.05, 2.0, 0.6, 0.08, 0.65, 0.1, 0.3), registered_2018, 5)

    ok = np.isfinite(fair[1])
    assert (fraud[0] >= fair[0]).all()
    assert (fraud[1][ok] >= fair[1][ok]).all()
    assert (fraud[0] > fair[0]).sum() > 0.5 * registered_2018.size


@pytest.mark.parametrize(("changes", "message"), [
    ({"f_i": -0.1}, "f_i is a fraction of units and must be between 0 and 1, got -0.1"),
    ({"f_e": 1.5}, "f_e is a fraction of units and must be between 0 and 1, got 1.5"),
    ({"f_i": 0.7, "f_e": 0.4}, "f_i + f_e must not exceed 1 (a unit has one kind of fraud at most), got 0.7 + 0.4"),
    ({"alpha": 0}, "alpha must be positive, got 0"),
    ({"tau": 1.0}, "tau is a mean fraction and must be strictly between 0 and 1, got 1.0"),
    ({"sigma_nu": -0.1}, "sigma_nu must be positive, got -0.1"),
    ({"theta": math.nan}, "theta must be a finite number, got nan"),
])
def test_params_out_of_range_raise_value_error(changes, message):
    values = dict(KNOWN.as_dict(), **changes)

    with pytest.raises(ValueError) as error:
        Params(**values)

    assert str(error.value) == message


def test_simulate_no_precincts_raises_value_error():
    with pytest.raises(ValueError) as error:
        klimek.simulate(KNOWN, np.array([], dtype=np.int64), 0)

    assert str(error.value) == "no precincts to simulate: registered must be a non-empty list of voter counts"


def test_simulate_negative_registered_raises_value_error():
    with pytest.raises(ValueError) as error:
        klimek.simulate(KNOWN, np.array([100, -5, 0]), 0)

    assert str(error.value) == "registered voters must be positive; precinct at position 1 has -5 (2 such)"


# --- fair part ----------------------------------------------------------------------------------

def test_estimate_fair_of_fair_simulation_finds_its_parameters(registered_2018):
    p = klimek.simulate_precincts(Params(0.0, 0.0, 1.0, 0.6, 0.08, 0.65, 0.1, 0.3), registered_2018, 1)

    fair = klimek.estimate_fair(p)

    # the mode is read on 0.5-point bins: within one bin of the truth
    assert abs(fair["tau"] - 0.6) <= 0.005
    assert abs(fair["nu"] - 0.65) <= 0.01
    assert abs(fair["sigma_tau"] - 0.08) <= 0.004
    assert abs(fair["sigma_nu"] - 0.1) <= 0.005
    assert fair["precincts"] == registered_2018.size


def test_estimate_fair_empty_selection_raises_value_error(p2018):
    with pytest.raises(ValueError) as error:
        klimek.estimate_fair(p2018.in_region("no such region"))

    assert str(error.value) == "no precincts in this selection"


# --- fit ----------------------------------------------------------------------------------------

def test_fit_recovers_known_parameters_within_one_grid_step(registered_2018):
    p = klimek.simulate_precincts(KNOWN, registered_2018, 1)

    result = klimek.fit(p, seed=0)

    best, step = Params(**result["params"]), result["step"]
    assert step == {"f_i": 0.05, "f_e": 0.01, "alpha": 0.5}
    assert abs(best.f_i - KNOWN.f_i) <= step["f_i"] + 1e-9
    assert abs(best.f_e - KNOWN.f_e) <= step["f_e"] + 1e-9
    assert abs(best.alpha - KNOWN.alpha) <= step["alpha"] + 1e-9
    assert result["edge"] == []


def test_fit_fair_simulation_finds_no_fraud(registered_2018):
    p = klimek.simulate_precincts(Params(0.0, 0.0, 1.0, 0.6, 0.08, 0.65, 0.1, 0.3), registered_2018, 2)

    result = klimek.fit(p, seed=0)

    assert result["params"]["f_i"] <= result["step"]["f_i"]
    assert result["params"]["f_e"] <= result["step"]["f_e"]


def test_fit_without_refinement_uses_the_estimated_fair_part(registered_2018):
    p = klimek.simulate_precincts(KNOWN, registered_2018, 1)

    result = klimek.fit(p, refine=False)

    fair = klimek.estimate_fair(p)
    assert result["polished"] is None
    assert (result["params"]["tau"], result["params"]["nu"]) == (fair["tau"], fair["nu"])


def test_fit_loss_table_has_one_cell_per_grid_point_and_best_is_its_minimum(registered_2018):
    p = klimek.simulate_precincts(KNOWN, registered_2018[:5000], 4)

    result = klimek.fit(p, f_i_grid=[0, 0.5, 1], f_e_grid=[0, 0.1], alpha_grid=[1, 2], refine=False)

    table = result["table"]
    assert [len(table), len(table[0]), len(table[0][0])] == [3, 2, 2]
    assert result["loss"] == min(v for plane in table for row in plane for v in row if v is not None)
    assert table[2][1] == [None, None]  # f_i + f_e = 1.1 is impossible
    assert None not in table[2][0]


def test_fit_grid_point_loss_matches_fitted_sample(registered_2018):
    """The grid search's prefix histograms give exactly the histogram of a plain simulation."""
    p = klimek.simulate_precincts(KNOWN, registered_2018[:20000], 4)
    result = klimek.fit(p, refine=False, seed=3)
    turnout, share, _ = klimek.observed(p)

    observed = klimek.histogram2d(turnout, share).ravel().astype(float)
    simulated = klimek.histogram2d(*klimek.fitted_sample(p, result)).ravel().astype(float)

    total = observed + simulated
    loss = float(np.sum(np.where(total > 0, (observed - simulated) ** 2 / np.where(total > 0, total, 1), 0)))
    assert round(loss, 4) == result["loss"]


def test_fit_reports_progress():
    p = klimek.simulate_precincts(KNOWN, np.full(3000, 1000), 4)
    calls = []

    klimek.fit(p, f_i_grid=[0, 0.3], f_e_grid=[0, 0.02], alpha_grid=[2], progress=lambda d, t: calls.append((d, t)))

    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_fit_same_seed_gives_same_result():
    p = klimek.simulate_precincts(KNOWN, np.full(3000, 1000), 4)

    first = klimek.fit(p, seed=11)
    second = klimek.fit(p, seed=11)

    assert first["params"] == second["params"]
    assert first["loss"] == second["loss"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"f_i_grid": [0, 1.2]}, "f_i_grid values must be from 0 to 1, got [0.0, 1.2]"),
    ({"f_e_grid": [-0.01, 0]}, "f_e_grid values must be from 0 to 1, got [-0.01, 0.0]"),
    ({"alpha_grid": [0, 1]}, "alpha_grid values must be above 0 to 100, got [0.0, 1.0]"),
    ({"f_i_grid": []}, "f_i_grid must be a non-empty list of numbers"),
    ({"replicates": 0}, "replicates must be a positive whole number, got 0"),
    ({"bins": 1}, "bins must be a whole number from 2 to 500, got 1"),
])
def test_fit_bad_grid_raises_value_error(kwargs, message):
    p = klimek.simulate_precincts(KNOWN, np.full(100, 1000), 4)

    with pytest.raises(ValueError) as error:
        klimek.fit(p, **kwargs)

    assert str(error.value) == message


def test_fit_empty_selection_raises_value_error(p2018):
    with pytest.raises(ValueError) as error:
        klimek.fit(p2018.in_region("no such region"))

    assert str(error.value) == "no precincts in this selection"


def test_fit_result_is_json(fit_2018):
    assert json.loads(json.dumps(fit_2018, allow_nan=False)) == fit_2018


def test_fit_2018_returns_parameters_in_range(fit_2018):
    best = Params(**fit_2018["params"])

    assert fit_2018["precincts"] == 97_698  # one precinct has no ballot cast
    assert 0 <= best.f_i <= 1 and 0 <= best.f_e <= 0.1 and 0.5 <= best.alpha <= 6
    assert best.f_i + best.f_e > 0  # the 2018 fingerprint is not that of a fair election
    assert 0.55 < best.tau < 0.7 and 0.65 < best.nu < 0.8


def test_fit_crimea_2018_returns_parameters_in_range(p2018):
    result = klimek.fit(p2018.in_region(CRIMEA))

    best = Params(**result["params"])
    assert result["precincts"] == 1206
    assert 0 <= best.f_i <= 1 and 0 <= best.f_e <= 0.1 and 0.5 <= best.alpha <= 6
    assert 0.85 < best.nu < 0.97
