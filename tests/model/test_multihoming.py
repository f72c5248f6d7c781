"""Developers multi-home: trials of recent releases and a secondary model, in the model."""

from __future__ import annotations

import math

import numpy as np

from openness.experiments import run_scenario
from openness.model import OpennessModel
from tests.conftest import small_scenario

TRIALS = {
    **{f"developer_segments.{k}.trial_rate": 0.4 for k in range(3)},
    **{f"developer_segments.{k}.secondary_share": 0.25 for k in range(3)},
}


NO_TRIALS = {f"developer_segments.{k}.trial_rate": 0.0 for k in range(3)}


def test_with_trials_off_no_one_holds_a_secondary():
    world = run_scenario(small_scenario(**NO_TRIALS, **{"simulation.months": 12}), seed=3).tables[
        "world"
    ]
    assert (world["dev_secondary_share"] == 0.0).all()
    # any open use is then production use
    np.testing.assert_allclose(world["dev_any_open_share"], world["open_share_dev_count"])


def test_trials_move_tokens_but_neither_production_nor_the_total():
    """One month of the population: with trials and secondaries, the production counts and
    the total tokens are those without them; tokens move to the secondaries."""
    scenario = small_scenario(**TRIALS)
    runs = []
    for attention in (None, 1.0):
        model = OpennessModel(scenario, seed=4)
        for _ in range(6):
            model.step()
        t = model.month + 1
        offers = model._set_prices(t, model._offers(t), model._policy_state(t))
        exp_util = np.ones((len(scenario.developer_segments), offers.size)) * offers.available
        att = None if attention is None else np.where(offers.available, attention, 0.0)
        tally = model.developers.step(offers, exp_util, model.dev_adopted, model.seed_key, t, att)
        runs.append((tally, model.developers.second.copy()))
    (off, second_off), (on, second_on) = runs
    np.testing.assert_array_equal(off.counts, on.counts)
    assert off.tokens_ktok.sum() == on.tokens_ktok.sum()
    assert on.trials.sum() > 0 and on.second_counts.sum() > 0
    assert not (off.tokens_ktok == on.tokens_ktok).all()


def test_release_trial_share_is_read_in_the_trial_window_only():
    run = run_scenario(small_scenario(**TRIALS, **{"simulation.months": 20}), seed=2)
    labs, world = run.tables["labs"], run.tables["world"]
    assert (world["dev_any_open_share"] >= world["open_share_dev_count"] - 1e-12).all()
    assert (world["dev_secondary_share"] > 0).any()
    shares = labs["release_trial_share"]
    assert shares.notna().any() and shares.isna().any()
    assert ((shares.dropna() >= 0) & (shares.dropna() <= 1)).all()
    assert math.isnan(labs.loc[labs["month"] == labs["month"].min(), "release_trial_share"].max())
