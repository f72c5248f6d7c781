"""Every figure of `openness.outputs.plots`, drawn from a small real batch; each test checks
the data behind the figure against the table it came from, not only that something is drawn."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from openness.cli import main
from openness.experiments import compare_arms, load_events, load_results, sobol_indices
from openness.outputs import plots
from tests.conftest import ROOT

SMALL = """[overrides]
"simulation.developers" = 2000
"simulation.enterprises" = 300
"simulation.months" = 20
"""
LABS = '["strategy", "developer_share", "capital", "runway"]'


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """The cascade and its counterfactual, 4 paired replications each, 20 months."""
    root = tmp_path_factory.mktemp("figures")
    path = root / "cascade.toml"
    path.write_text(
        f'name = "cascade"\nscenario = "{ROOT}/scenarios/deepseek_cascade.toml"\nseed = 5\n'
        f'replications = 4\nbaseline_arm = "cascade"\n{SMALL}\n'
        f'[[arms]]\nname = "cascade"\n\n[[arms]]\nname = "no_shock"\n'
        f'scenario = "{ROOT}/scenarios/no_shock.toml"\n\n'
        f"[outputs]\nlab_metrics = {LABS}\n"
    )
    out = root / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def cascade(batch):
    world, labs = load_results(batch, "world"), load_results(batch, "labs")
    events = load_events(batch)
    arm = "cascade"
    return world[world.arm == arm], labs[labs.arm == arm], events[events.arm == arm]


def _medians_by_month(df, column):
    return df.groupby("month")[column].median().sort_index().to_numpy(float)


def test_bands_are_quantiles_across_runs(cascade):
    world, _, _ = cascade
    q = plots.bands(world, "open_share_dev_count")
    month = world["month"].max()
    values = world.loc[world.month == month, "open_share_dev_count"].to_numpy(float)
    expected = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    np.testing.assert_allclose(q.loc[month].to_numpy(float), expected)


def test_adoption_curves_plot_the_median_and_mark_the_shock(cascade):
    world, _, events = cascade
    fig = plots.adoption_curves(world, events)
    panels = fig.axes[:4]
    for ax, column in zip(panels, plots.ADOPTION_PANELS, strict=True):
        median = next(line for line in ax.get_lines() if line.get_label() == "median")
        np.testing.assert_allclose(median.get_ydata(), 100 * _medians_by_month(world, column))
        assert ax.get_ylabel() == "Share (%)" and ax.get_title()
        dashed = [
            pd.Timestamp(mdates.num2date(mdates.date2num(line.get_xdata()[0]))).strftime("%Y-%m")
            for line in ax.get_lines()
            if line.get_linestyle() == "--"
        ]
        assert "2025-01" in dashed  # the DeepSeek shock
        assert len(ax.collections) == 2  # the 50% and 90% bands
    legend = [t.get_text() for t in panels[0].get_legend().get_texts()]
    assert legend == ["90% of runs", "50% of runs", "median"]
    assert "DeepSeek" in fig.get_supxlabel()


def test_cascade_colours_each_lab_month_by_its_strategy_in_one_run(cascade):
    _, labs, _ = cascade
    fig = plots.cascade(labs)
    image = fig.axes[0].get_images()[0].get_array()
    first = labs[labs.replication == labs.replication.min()]
    grid = first.pivot(index="lab", columns="month", values="strategy")
    np.testing.assert_array_equal(
        np.asarray(image), grid.apply(lambda c: c.map(plots.STRATEGY_CODES)).to_numpy(float)
    )
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(grid.index)
    assert {t.get_text() for t in fig.legends[0].get_texts()} == {"closed", "hybrid", "open"}


def test_cascade_overlays_observed_releases_when_given(cascade):
    _, labs, _ = cascade
    observed = pd.DataFrame(
        {"lab": ["OpenAI", "NVIDIA"], "month": pd.to_datetime(["2025-08-01", "2026-01-01"])}
    )
    fig = plots.cascade(labs, observed=observed)
    stars = fig.axes[0].collections[0].get_offsets()
    assert len(stars) == 2


def test_cascade_share_is_the_share_of_runs_in_which_each_lab_is_open(cascade):
    _, labs, _ = cascade
    fig = plots.cascade_share(labs)
    image = np.asarray(fig.axes[0].get_images()[0].get_array())
    month = labs.month.max()
    for i, lab in enumerate(sorted(labs.lab.unique())):
        runs = labs[(labs.lab == lab) & (labs.month == month)]
        expected = 100 * (runs.strategy == "open").mean()
        assert image[i, -1] == pytest.approx(expected)
    assert "Runs in which the lab is open" in fig.axes[1].get_ylabel()


def test_gaps_plot_price_ratio_on_a_log_scale_and_the_lag(cascade):
    world, _, events = cascade
    fig = plots.gaps(world, events)
    top, bottom = fig.axes
    assert top.get_yscale() == "log"
    for ax, column in ((top, "price_ratio"), (bottom, "open_lag_months")):
        median = next(line for line in ax.get_lines() if line.get_label() == "median")
        np.testing.assert_allclose(median.get_ydata(), _medians_by_month(world, column))
    assert "months" in bottom.get_ylabel()
    cost = next(line for line in top.get_lines() if "serving-cost" in line.get_label())
    np.testing.assert_allclose(cost.get_ydata(), _medians_by_month(world, "serving_cost_ratio"))


def test_market_shares_stack_the_mean_share_of_each_family(cascade):
    _, labs, _ = cascade
    fig = plots.market_shares(labs)
    ax = fig.axes[0]
    polys = ax.collections
    assert len(polys) == labs.lab.nunique()
    mean = labs.groupby(["month", "lab"])["developer_share"].mean().unstack()
    top_edge = polys[-1].get_paths()[0].vertices[:, 1].max()
    assert top_edge == pytest.approx(100 * mean.sum(axis=1).max(), rel=1e-6)
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == set(labs.lab.unique())


def test_capital_and_runway_are_medians_per_lab(cascade):
    _, labs, _ = cascade
    fig = plots.capital_runway(labs)
    top, bottom = fig.axes
    runway = labs.pivot_table(index="month", columns="lab", values="runway", aggfunc="median")
    lines = bottom.get_lines()
    assert len(lines) == runway.shape[1]
    for line, lab in zip(lines, runway.columns, strict=True):
        np.testing.assert_allclose(line.get_ydata(), runway[lab].to_numpy(float))
    assert top.get_yscale() == "log" and "$M" in top.get_ylabel()


def test_policy_effects_show_the_compare_table(batch):
    world = load_results(batch)
    last = world[world.month == world.month.max()]
    table = compare_arms(last, "cascade", ["n_frontier_open"], seed=5)
    fig = plots.policy_effects(table, "n_frontier_open")
    ax = fig.axes[0]
    points = ax.get_lines()[0]
    np.testing.assert_allclose(
        np.asarray(points.get_xdata(), float), table["effect"].to_numpy(float)
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["no_shock"]
    assert "cascade" in ax.get_xlabel()


def test_sobol_bars_show_first_order_and_total_indices(tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text(
        f'name = "sobol"\nscenario = "{ROOT}/scenarios/baseline.toml"\nseed = 3\n'
        f'replications = 1\n{SMALL}\n[design]\nkind = "saltelli"\nsamples = 4\n'
        '[[factors]]\nname = "world.spillover_open"\nbounds = [0.02, 0.2]\n'
        '[[factors]]\nname = "decision.ecosystem_value"\nbounds = [5.0, 60.0]\n'
        '[outputs]\nmetrics = ["open_share_dev_count"]\nmonths = ["2025-08"]\n'
    )
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    from openness.experiments import load_experiment

    spec = load_experiment(path).spec
    table = sobol_indices(load_results(out), spec, ["open_share_dev_count"])
    fig = plots.sobol_bars(table)
    bars = fig.axes[0].patches
    widths = [b.get_width() for b in bars]
    np.testing.assert_allclose(widths, [*table["S1"], *table["ST"]])
    assert "Sobol" in fig.axes[0].get_xlabel()


def test_validation_ranges_draw_observed_against_required(tmp_path):
    table = pd.DataFrame(
        {
            "id": ["A", "B"],
            "median": [5.0, 0.2],
            "p5": [4.0, 0.1],
            "p95": [6.5, 0.4],
            "required_low": [3.0, 0.5],
            "required_high": [7.0, np.inf],
            "share_passing": [1.0, 0.0],
            "verdict": ["pass", "FAIL"],
        }
    )
    fig = plots.validation_ranges(table)
    for ax, row in zip(fig.axes, table.itertuples(), strict=True):
        segment = ax.collections[0].get_segments()[0]
        np.testing.assert_allclose(segment[:, 0], [row.p5, row.p95])
        assert ax.get_lines()[-1].get_xdata()[0] == row.median
    paths = plots.save(fig, tmp_path / "validation")
    assert [p.rsplit(".", 1)[1] for p in paths] == ["png", "svg"]
    assert all((tmp_path / f"validation.{ext}").stat().st_size > 1000 for ext in ("png", "svg"))


def test_payoff_terms_show_each_term_of_an_option_minus_closed(small_run):
    decisions = small_run.tables["decisions"]
    fig = plots.payoff_terms(decisions, "OpenAI", "hybrid")
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    rows = decisions[decisions.lab == "OpenAI"].set_index(["month", "option"])
    expected = (
        rows.xs("hybrid", level="option")["total"] - rows.xs("closed", level="option")["total"]
    ).sort_index()
    np.testing.assert_allclose(
        np.asarray(lines["total"].get_ydata(), float), expected.to_numpy(float)
    )
    assert "api margin" in lines and ax.get_yscale() == "symlog"


def test_arm_bands_draw_one_median_per_arm(batch):
    world = load_results(batch)
    fig = plots.arm_bands(world, "n_major_frontier_open")
    lines = fig.axes[0].get_lines()
    assert [line.get_label().split(" (")[0] for line in lines] == ["cascade", "no_shock"]
    for line, arm in zip(lines, ["cascade", "no_shock"], strict=True):
        np.testing.assert_allclose(
            np.asarray(line.get_ydata(), float),
            _medians_by_month(world[world.arm == arm], "n_major_frontier_open"),
        )
