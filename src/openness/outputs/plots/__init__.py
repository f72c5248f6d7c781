"""Figures from result tables: DataFrames in, matplotlib Figure out, never a model.

Every function takes the tidy tables of a run (`run_scenario(...).tables`) or of a batch
(`load_results`), where ensemble columns (`arm`, `replication`) may be present; a single run
is an ensemble of one. Bands are quantiles across replications, month by month, computed by
`bands` (so what is drawn is what a test can recompute). `save` writes PNG and SVG.
"""

from openness.outputs.plots.analysis import *  # noqa: F403
from openness.outputs.plots.common import *  # noqa: F403
from openness.outputs.plots.common import _subplots  # noqa: F401
from openness.outputs.plots.runs import *  # noqa: F403
