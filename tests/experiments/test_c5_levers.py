"""The C5 lever probe scales every developer segment and pairs its seeds."""

import pandas as pd
import pytest

from openness.scenario import load_scenario
from tests.conftest import ROOT
from tests.experiments.helpers import experiment_script


@pytest.fixture(scope="module")
def levers():
    return experiment_script("c5_levers")


def test_a_variant_scales_every_segment(levers):
    path = ROOT / "scenarios" / "deepseek_cascade.toml"
    base = load_scenario(path).developer_segments
    scaled = load_scenario(path, levers.overrides("review x3, price x3", 1000)).developer_segments
    for b, s in zip(base, scaled, strict=True):
        assert s.review_rate == pytest.approx(min(3 * b.review_rate, 1.0))
        assert s.alpha_price == pytest.approx(3 * b.alpha_price)
        assert s.beta_capability == b.beta_capability


def test_the_gap_pairs_seeds(levers):
    runs = pd.DataFrame(
        [
            {
                "variant": "base",
                "scenario": sc,
                "seed": seed,
                "open": value,
                "n_major": 6,
                "openai_first": pd.Timestamp("2025-11-01"),
            }
            for seed, (shock, none) in enumerate([(0.60, 0.50), (0.52, 0.50), (0.58, 0.52)])
            for sc, value in (("deepseek_cascade", shock), ("no_shock", none))
        ]
    )
    row = levers.summary(runs).loc["base"]
    assert row["gap median"] == pytest.approx(0.06)
    assert row["seeds >= 5 points"] == pytest.approx(2 / 3)
    assert row["OpenAI first open"] == "2025-11"
