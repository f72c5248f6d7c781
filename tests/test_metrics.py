"""The one metric catalogue: every column of the tables is in it, with a label and a unit,
and the model description names every one."""

from openness import metrics
from tests.conftest import ROOT


def test_the_tables_columns_are_the_catalogues(small_run):
    assert list(small_run.tables["world"].columns) == list(metrics.WORLD)
    assert list(small_run.tables["labs"].columns) == list(metrics.LABS)


def test_every_metric_has_a_label_and_a_meaning():
    for table in metrics.TABLES.values():
        for m in table.values():
            assert m.label and m.meaning and m.label[0].isupper(), m.name
            assert m.axis_label.startswith(m.label)


def test_the_model_description_names_every_world_metric():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    section = odd[odd.index("### 7.9 Observation") : odd.index("## 8.")]
    for name in metrics.WORLD:
        if name.startswith("ent_open_share_tokens_") and name not in (
            "ent_open_share_tokens_eu_compliance",
        ):
            name = "ent_open_share_tokens_residency"  # the E1 group is one row of the table
        assert name == "month" or f"`{name}`" in section, name


def test_labels_fall_back_to_the_name_for_columns_outside_the_catalogue():
    assert metrics.label("world.spillover_open") == "world.spillover_open"
    assert metrics.label("price_ratio") == "Closed / open price of the top models (ratio)"


def test_values_are_displayed_with_their_units():
    import numpy as np

    assert metrics.display("open_share_dev_count", 0.43216) == "43.22%"
    assert metrics.display("open_share_dev_count", np.float64(0.5)) == "50.00%"
    assert metrics.display("n_frontier_open", np.int64(3)) == "3 labs"
    assert metrics.display("price_ratio", 12.3456) == "12.35x"
    assert metrics.display("going_rate", 14.28) == "$14.28/Mtok"
    assert metrics.display("open_lag_months", 7.25) == "7.25 months"
    assert metrics.display("hhi_developers", 0.1591) == "0.1591"
    assert metrics.display("price_ratio", float("nan")) == "n/a"
    assert metrics.display("not_a_metric", 0.5) == "0.5"
    assert metrics.label("open_share_dev_count") == "Adopting developers on open weights (%)"
