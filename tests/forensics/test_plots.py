"""Plots of svidok.forensics.plots: valid SVG and PNG, byte-identical SVG for the same data, clear
errors for empty selections, safe to draw from several threads."""

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from svidok.forensics import klimek, plots, stats
from tests.forensics.conftest import CRIMEA

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
EMPTY_SELECTION = "No precincts to plot: the selection is empty."
THIN_SPACE = "\u2009"


@pytest.fixture(scope="module")
def p2018(precincts_2018_file):
    return precincts_2018_file


@pytest.fixture(scope="module")
def crimea(p2018):
    return p2018.in_region(CRIMEA)


@pytest.fixture(scope="module")
def shpilkin_2018(p2018):
    return stats.shpilkin(p2018)


@pytest.fixture(scope="module")
def crimea_changes(parsed_2016_file, crimea):
    changes, _info = stats.turnout_changes(parsed_2016_file.to_precincts().in_region(CRIMEA), crimea)
    return changes


@pytest.fixture(scope="module")
def crimea_model(crimea):
    params = klimek.Params(0.2, 0.0, 2.0, 0.72, 0.08, 0.93, 0.02, 0.2)
    return klimek.simulate(params, crimea.registered, 0)


@pytest.fixture(scope="module")
def draw(p2018, crimea, shpilkin_2018, crimea_changes, crimea_model):
    """``draw(name, fmt)``: each plot of the module on the shipped 2018 data."""
    makers = {
        "turnout_histogram": lambda fmt: plots.turnout_histogram(p2018, fmt=fmt),
        "leader_share_histogram": lambda fmt: plots.leader_share_histogram(p2018, fmt=fmt),
        "fingerprint": lambda fmt: plots.fingerprint(p2018, fmt=fmt),
        "integer_spikes": lambda fmt: plots.integer_spikes(p2018, fmt=fmt),
        "shpilkin_bins": lambda fmt: plots.shpilkin_bins(shpilkin_2018, fmt=fmt),
        "turnout_change": lambda fmt: plots.turnout_change(crimea_changes, fmt=fmt, scope=CRIMEA),
        "klimek_comparison": lambda fmt: plots.klimek_comparison(crimea, *crimea_model, fmt=fmt, scope=CRIMEA),
    }
    return lambda name, fmt: makers[name](fmt)


PLOTS = ["turnout_histogram", "leader_share_histogram", "fingerprint", "integer_spikes", "shpilkin_bins",
         "turnout_change", "klimek_comparison"]


def svg_comments(svg: bytes) -> str:
    """The SVG as text: matplotlib stores each text (drawn as outlines) in a comment beside it."""
    return svg.decode("utf-8")


@pytest.mark.parametrize("name", PLOTS)
def test_plot_svg_is_an_svg_document(draw, name):
    svg = draw(name, "svg")

    assert ET.fromstring(svg).tag == SVG_ROOT


@pytest.mark.parametrize("name", PLOTS)
def test_plot_png_is_a_png_image(draw, name):
    png = draw(name, "png")

    assert png[:8] == PNG_MAGIC


@pytest.mark.parametrize("name", PLOTS)
def test_plot_same_data_gives_byte_identical_svg(draw, name):
    first = draw(name, "svg")
    second = draw(name, "svg")

    assert first == second


def test_plot_other_data_gives_other_svg(p2018, crimea):
    assert plots.turnout_histogram(p2018) != plots.turnout_histogram(crimea)


def test_plot_svg_has_no_date(draw):
    svg = svg_comments(draw("fingerprint", "svg"))

    assert "<dc:date>" not in svg


def test_plot_threads_draw_the_same_svg_as_one_thread(draw):
    serial = [draw(name, "svg") for name in PLOTS]

    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda name: draw(name, "svg"), PLOTS))

    assert parallel == serial


def test_turnout_histogram_labels_its_weight(p2018):
    by_voters = svg_comments(plots.turnout_histogram(p2018))
    by_precincts = svg_comments(plots.turnout_histogram(p2018, weight="precincts"))

    assert "Registered voters per 0.5-point bin" in by_voters
    assert "Precincts per 0.5-point bin" in by_precincts
    assert "Official turnout: 67.54%" in by_voters


def test_leader_share_histogram_names_the_leader_and_official_result(p2018):
    svg = svg_comments(plots.leader_share_histogram(p2018))

    assert "Share of Путин Владимир Владимирович" in svg
    assert "Official result: 76.69%" in svg
    assert "Ballots cast per 0.5-point bin" in svg


def test_plot_scope_appears_in_title(crimea):
    svg = svg_comments(plots.fingerprint(crimea, scope=CRIMEA))

    assert f"Turnout and leader's share — {CRIMEA}" in svg


def test_integer_spikes_counts_the_integer_test_sample(p2018):
    svg = svg_comments(plots.integer_spikes(p2018))

    assert f"91{THIN_SPACE}152 precincts, 0.1-point bins" in svg


def test_shpilkin_bins_titles_the_anomalous_votes(shpilkin_2018):
    svg = svg_comments(plots.shpilkin_bins(shpilkin_2018))

    votes = f"{shpilkin_2018['anomalous_votes']:,.0f}".replace(",", THIN_SPACE)
    assert f"Anomalous votes for the leader: {votes}" in svg


def test_shpilkin_bins_accepts_the_bins_list(shpilkin_2018):
    svg = plots.shpilkin_bins(shpilkin_2018["bins"])

    assert ET.fromstring(svg).tag == SVG_ROOT


def test_turnout_change_shows_median_and_count(crimea_changes):
    svg = svg_comments(plots.turnout_change(crimea_changes))

    assert f"Median: {np.median(crimea_changes):+.1f} points" in svg
    assert f"{len(crimea_changes):,} precincts matched".replace(",", THIN_SPACE) in svg


@pytest.mark.parametrize("name", ["turnout_histogram", "leader_share_histogram", "fingerprint", "integer_spikes"])
def test_plot_of_empty_selection_raises_value_error(p2018, name):
    empty = p2018.in_region("no such region")

    with pytest.raises(ValueError) as error:
        getattr(plots, name)(empty)

    assert str(error.value) == EMPTY_SELECTION


def test_klimek_comparison_of_empty_selection_raises_value_error(p2018):
    with pytest.raises(ValueError) as error:
        plots.klimek_comparison(p2018.in_region("no such region"), np.array([]), np.array([]))

    assert str(error.value) == EMPTY_SELECTION


def test_shpilkin_bins_without_bins_raises_value_error():
    with pytest.raises(ValueError) as error:
        plots.shpilkin_bins({"bins": []})

    assert str(error.value) == "No turnout bins to plot: the selection is empty."


def test_turnout_change_without_matches_raises_value_error():
    with pytest.raises(ValueError) as error:
        plots.turnout_change(np.array([]))

    assert str(error.value) == "No matched precincts to plot."


def test_integer_spikes_without_eligible_precincts_raises_value_error(p2018):
    small = p2018.subset(p2018.registered < 100)

    with pytest.raises(ValueError) as error:
        plots.integer_spikes(small)

    assert str(error.value) == ("No precinct in the selection meets the integer test's conditions "
                                "(100 voters or more, turnout and result at most 99%).")


def test_plot_unknown_format_raises_value_error(p2018):
    with pytest.raises(ValueError) as error:
        plots.fingerprint(p2018, fmt="pdf")

    assert str(error.value) == "Plot format must be svg or png, not 'pdf'."


def test_histogram_unknown_weight_raises_value_error(p2018):
    with pytest.raises(ValueError) as error:
        plots.turnout_histogram(p2018, weight="ballots")

    assert str(error.value) == "Histogram weight must be voters or precincts, not 'ballots'."
