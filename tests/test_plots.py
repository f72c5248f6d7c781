import numpy as np

from openness.outputs import plots


def test_adoption_figure_plots_the_table_values(small_run):
    world, events = small_run.tables["world"], small_run.tables["events"]
    fig = plots.adoption_curves(world, events)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    for column, (label, _, _) in plots.ADOPTION_SERIES.items():
        np.testing.assert_allclose(lines[label].get_ydata(), 100 * world[column])
    assert ax.get_ylabel() and ax.get_xlabel() == "Month"
    assert len(ax.get_legend().get_texts()) == len(plots.ADOPTION_SERIES)
    marked = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    assert len(marked) >= len(events[events.month <= world.month.max()])
