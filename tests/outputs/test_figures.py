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
    legend = {t.get_text() for t in fig.legends[0].get_texts()}
    assert legend == set(labs.lab.unique())
    # the legend sits outside the plot area, right of it
    fig.canvas.draw()
    assert fig.legends[0].get_window_extent().x0 >= ax.get_window_extent().x1 - 3  # its frame


def test_lab_colours_highlight_the_largest_families_and_mute_the_rest(cascade):
    _, labs, _ = cascade
    colours = plots.lab_colours(labs)
    mean = labs.groupby("lab")["developer_share"].mean().sort_values(ascending=False)
    assert list(colours) == list(mean.index)
    strong = [colours[lab] for lab in mean.index[:8]]
    assert len(set(strong)) == 8  # eight distinct colours
    for lab in mean.index[8:]:  # the rest are greys
        r, g, b = colours[lab]
        assert r == g == b


def test_capital_and_runway_are_medians_per_lab(cascade):
    _, labs, _ = cascade
    fig = plots.capital_runway(labs)
    top, bottom = fig.axes
    runway = labs.pivot_table(index="month", columns="lab", values="runway", aggfunc="median")
    lines = [line for line in bottom.get_lines() if line.get_label() in runway.columns]
    assert len(lines) == runway.shape[1]
    for line in lines:
        np.testing.assert_allclose(line.get_ydata(), runway[line.get_label()].to_numpy(float))
    assert top.get_yscale() == "log" and "$M" in top.get_ylabel()
    from openness.market.finance import MAX_RUNWAY

    assert f"capped at {MAX_RUNWAY:.0f}" in bottom.get_ylabel()
    assert any(line.get_ydata()[0] == MAX_RUNWAY for line in bottom.get_lines()[len(lines) :])


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


def test_effect_over_time_draws_each_month_of_the_compare_table(batch):
    world = load_results(batch)
    table = compare_arms(world, "cascade", ["open_share_dev_count"], seed=5)
    fig = plots.effect_over_time(table, "open_share_dev_count")
    ax = fig.axes[0]
    line = next(x for x in ax.get_lines() if x.get_label() == "no_shock")
    rows = table.sort_values("month")
    assert len(line.get_xdata()) == world["month"].nunique()
    np.testing.assert_allclose(np.asarray(line.get_ydata(), float), 100 * rows["effect"])
    assert "percentage points" in ax.get_ylabel() and "cascade" in ax.get_xlabel()


def test_sobol_bars_show_first_order_and_total_indices(tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text(
        f'name = "sobol"\nscenario = "{ROOT}/scenarios/baseline.toml"\nseed = 3\n'
        f'replications = 1\n{SMALL}\n[design]\nkind = "saltelli"\nsamples = 4\n'
        '[[factors]]\nname = "world.spillover_open"\nbounds = [0.02, 0.2]\n'
        '[[factors]]\nname = "decision.value_volatility"\nbounds = [0.1, 1.0]\n'
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


def test_value_terms_show_each_term_of_an_option_minus_closed(small_run):
    decisions = small_run.tables["decisions"]
    fig = plots.value_terms(decisions, "OpenAI", "hybrid")
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


# ---- what each figure says about itself ------------------------------------------------------
def test_a_single_run_draws_a_line_without_bands_or_a_runs_legend(small_run):
    world, events = small_run.tables["world"], small_run.tables["events"]
    for fig in (plots.adoption_curves(world, events), plots.gaps(world, events)):
        for ax in fig.axes:
            assert not ax.collections  # no band
            legend = ax.get_legend()
            texts = [t.get_text() for t in legend.get_texts()] if legend else []
            assert not any("runs" in t or t == "median" for t in texts)
        assert "(one run)" in fig.get_suptitle() and "1 runs" not in fig.get_suptitle()
    panel = plots.adoption_curves(world, events).axes[0]
    (line,) = [ln for ln in panel.get_lines() if ln.get_linestyle() == "-"]
    assert line.get_label() == "this run"
    np.testing.assert_allclose(line.get_ydata(), 100 * world["open_share_dev_count"].to_numpy())


def test_single_run_lab_figures_say_one_run(small_run):
    labs = small_run.tables["labs"]
    assert "(one run)" in plots.market_shares(labs).axes[0].get_title()
    assert "(one run)" in plots.capital_runway(labs).get_suptitle()
    assert "(one run)" in plots.cascade(labs).axes[0].get_title()


def test_event_lines_carry_one_label_each_with_the_events_short_names(cascade):
    world, _, events = cascade
    fig = plots.adoption_curves(world, events)
    months = sorted(events["month"].unique())
    for ax in fig.axes[:2]:  # the top row is labelled; the panels below share its months
        labels = [t for t in ax.texts if t.get_gid() == "event-label"]
        assert len(labels) == len(months)
        by_month = {
            pd.Timestamp(mdates.num2date(mdates.date2num(t.get_position()[0]))).strftime(
                "%Y-%m"
            ): t.get_text().strip()
            for t in labels
        }
        shock = by_month["2025-01"]
        assert "deepseek-r1-efficiency" in shock and "deepseek-r1-capability" in shock
    for ax in fig.axes[2:4]:
        assert not [t for t in ax.texts if t.get_gid() == "event-label"]


def test_metrics_kept_at_a_few_months_are_drawn_as_points(cascade):
    world, _, _ = cascade
    kept = world[world["month"].dt.month.isin([3, 9])]
    fig = plots.adoption_curves(kept)
    ax = fig.axes[0]
    median = next(line for line in ax.get_lines() if line.get_label() == "median")
    assert median.get_linestyle() == "None" and median.get_marker() == "o"
    np.testing.assert_allclose(
        median.get_ydata(), 100 * _medians_by_month(kept, "open_share_dev_count")
    )
    assert not plots.is_monthly(pd.Index(kept["month"].unique()))
    assert plots.is_monthly(pd.Index(world["month"].unique()))


def test_share_effects_are_in_percentage_points(batch):
    world = load_results(batch)
    last = world[world.month == world.month.max()]
    table = compare_arms(last, "cascade", ["open_share_dev_count"], seed=5)
    fig = plots.policy_effects(table, "open_share_dev_count")
    ax = fig.axes[0]
    np.testing.assert_allclose(
        np.asarray(ax.get_lines()[0].get_xdata(), float), 100 * table["effect"].to_numpy(float)
    )
    assert "percentage points" in ax.get_xlabel()
    assert "open_share_dev_count" not in ax.get_xlabel() + ax.get_title()


def test_axes_use_the_catalogue_labels(cascade):
    from openness import metrics

    world, labs, events = cascade
    fig = plots.adoption_curves(world, events)
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles == [metrics.WORLD[m].label for m in plots.ADOPTION_PANELS]
    gaps = plots.gaps(world, events)
    assert metrics.WORLD["price_ratio"].label in gaps.axes[0].get_ylabel()
    assert gaps.axes[1].get_ylabel() == metrics.label("open_lag_months")
    shares = plots.market_shares(labs)
    assert shares.axes[0].get_ylabel() == metrics.label("developer_share", "labs")


def test_dated_targets_show_dates_in_the_validation_figure():
    table = pd.DataFrame(
        {
            "id": ["C2-openai"],
            "median": [22.0],
            "p5": [14.0],
            "p95": [28.0],
            "required_low": [15.0],
            "required_high": [23.0],
            "share_passing": [0.8],
            "verdict": ["pass"],
            "months_from": ["2024-01"],
        }
    )
    fig = plots.validation_ranges(table)
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(len(t) == 7 and t[4] == "-" for t in ticks)  # YYYY-MM
    from openness.experiments.targets import value_text

    assert value_text(22.0, "2024-01") == "2025-11"
    assert value_text(float("nan"), "2024-01") == "never"
    assert value_text(0.1234, "") == "0.123"
