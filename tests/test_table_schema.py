"""The typed schema of every table (metrics.schema): the reference page is current, a run's
tables hold it, and a run directory's Parquet files are written with it."""

import pyarrow.parquet as pq

from openness.cli import main
from openness.market.valuation import TERMS
from openness.metrics import TABLES
from openness.metrics.records import DECISION_TERMS
from openness.metrics.schema import arrow_schema, markdown, problems
from openness.model import OpennessModel
from openness.scenario import load_scenario
from tests.conftest import ROOT

SMALL = {"simulation.developers": 2000, "simulation.enterprises": 300, "simulation.months": 13}


def test_the_tables_page_is_generated_from_the_catalogue():
    page = (ROOT / "docs" / "tables.md").read_text()
    assert page == markdown(), "regenerate: python -m openness.metrics.schema > docs/tables.md"


def test_a_run_writes_every_table_with_the_catalogues_columns_and_types():
    from openness.experiments.single import run_scenario

    scenario = load_scenario(ROOT / "scenarios" / "deepseek_cascade.toml", SMALL)
    tables = run_scenario(scenario, seed=2).tables
    assert set(tables) == set(TABLES)
    for name, df in tables.items():
        assert len(df) > 0, name
        assert problems(df, name) == []


def test_the_decision_terms_are_the_valuations():
    assert DECISION_TERMS == TERMS


def test_a_run_directorys_files_have_the_typed_schema(tmp_path):
    out = tmp_path / "run"
    args = ["run", str(ROOT / "scenarios" / "baseline.toml"), "--out", str(out), "--months", "3"]
    assert main([*args, "--developers", "1000", "--enterprises", "200"]) == 0
    for name in TABLES:
        found = pq.read_schema(out / f"{name}.parquet")
        assert found.remove_metadata() == arrow_schema(name), name


def test_problems_name_a_missing_column_and_a_wrong_type():
    model = OpennessModel(load_scenario(ROOT / "scenarios" / "baseline.toml", SMALL), seed=1)
    model.step()
    labs = model.tables()["labs"]
    assert problems(labs, "labs") == []
    broken = labs.drop(columns="insolvent").assign(strategy=1.0)
    found = problems(broken, "labs")
    assert (
        "missing ['insolvent']" in found[0] and "labs.strategy: float64, expected string" in found
    )
