"""The calibration script runs end to end on a tiny budget and never worsens the loss."""

import numpy as np
import pytest

from tests.conftest import ROOT


@pytest.fixture
def calibrate():
    """experiments/calibrate.py, imported as the ordinary module it also is."""
    from experiments import calibrate

    return calibrate


@pytest.mark.parametrize("loss", ["shares", "distance"])
def test_calibration_runs_and_keeps_the_better_parameters(calibrate, tmp_path, monkeypatch, loss):
    monkeypatch.setattr(
        calibrate, "SIZES", {"simulation.developers": 1000, "simulation.enterprises": 200}
    )
    # two of the parameters: the search runs end to end with a population of two
    monkeypatch.setattr(calibrate, "PARAMETERS", calibrate.PARAMETERS[:2])
    report = tmp_path / "calibration.md"
    calibrate.main(
        [
            "--generations",
            "1",
            "--popsize",
            "1",
            "--seeds",
            "1",
            "--loss",
            loss,
            "--report",
            str(report),
        ]
    )
    text = report.read_text()
    assert "| `decision.temperature` |" in text and "Held-out targets" in text
    assert calibrate.LOSSES[loss][0] in text
    before, after = (
        float(x)
        for x in text.split("Calibration loss: ")[1]
        .split(" fitted")[0]
        .replace(" before,", "")
        .split()
    )
    assert after <= before


def test_compass_search_finds_the_minimum_of_a_step_function(calibrate):
    """The loss is flat almost everywhere (shares of seeds); the compass search still walks
    one parameter at a time to the box that holds the minimum, within its budget."""
    target = np.array([0.7, 0.2])

    def loss(x):
        return float(np.floor(8 * np.abs(np.asarray(x) - target)).sum())

    x, best = calibrate.compass_search(
        loss, np.array([0.1, 0.9]), [(0, 1), (0, 1)], step=0.25, budget=60
    )
    assert best == 0.0 and np.all(np.abs(x - target) < 1 / 8)
    _, capped = calibrate.compass_search(
        loss, np.array([0.1, 0.9]), [(0, 1), (0, 1)], step=0.25, budget=3
    )
    assert capped > 0.0  # the budget bounds the number of evaluations


def test_compass_search_stops_at_zero_loss(calibrate):
    """A sum of shortfalls cannot go below 0: a start that already passes everything costs
    no evaluations beyond the start's own."""
    calls = []

    def loss(x):
        calls.append(x)
        return 0.0

    x, best = calibrate.compass_search(
        loss, np.array([0.1, 0.9]), [(0, 1), (0, 1)], step=0.25, budget=60
    )
    assert best == 0.0 and len(calls) == 1 and np.array_equal(x, [0.1, 0.9])


def test_compass_search_stops_when_a_move_reaches_zero_loss(calibrate):
    """A move that reaches 0 ends the search at once, not after the rest of its sweep (each
    evaluation is a minute of simulation)."""
    calls = []

    def loss(x):
        calls.append(x)
        return 0.0 if abs(x[0] - 0.35) < 1e-9 else 1.0

    x, best = calibrate.compass_search(
        loss, np.array([0.1, 0.9, 0.5]), [(0, 1), (0, 1), (0, 1)], step=0.25, budget=60
    )
    assert best == 0.0 and np.allclose(x, [0.35, 0.9, 0.5])
    assert len(calls) == 2  # the start and the first move


def test_compass_search_stops_when_the_confirmation_seeds_already_pass(calibrate):
    """If the start passes every target on the confirmation seeds, no move can lower their
    loss, so none could be kept: the search stops instead of spending its budget (session
    11: 70 evaluations, about 35 minutes, that could only end where they began)."""
    calls = []

    def loss(x):
        calls.append(x)
        return 1.0 if x[0] < 0.5 else 0.5

    x, best = calibrate.compass_search(
        loss, np.array([0.1, 0.9]), [(0, 1), (0, 1)], step=0.25, budget=60, confirm=lambda x: 0.0
    )
    assert best == 1.0 and len(calls) == 1 and np.array_equal(x, [0.1, 0.9])


def test_compass_search_keeps_only_moves_the_confirmation_seeds_agree_with(calibrate):
    """A move that lowers the small ensemble's loss but not the larger one's is fitting noise:
    the search walks x[1] to its target but leaves x[0] where the confirmation loss wants it."""
    target = np.array([0.7, 0.2])

    def loss(x):
        return float(np.floor(8 * np.abs(np.asarray(x) - target)).sum())

    def confirm(x):  # agrees on x[1], penalises any x[0] above 0.5
        return loss(x) + 100.0 * (x[0] > 0.5)

    x, _ = calibrate.compass_search(
        loss, np.array([0.1, 0.9]), [(0, 1), (0, 1)], step=0.25, budget=60, confirm=confirm
    )
    assert abs(x[1] - target[1]) < 1 / 8
    assert x[0] <= 0.5


def test_nested_parameters_are_read_and_written_in_their_section(calibrate, tmp_path, monkeypatch):
    """`business_models.platform.exclusivity` lives in [business_models.platform]; the
    write-back changes that line and no other (unmoved parameters keep their lines)."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    original = (ROOT / "scenarios" / "baseline.toml").read_text()
    (scenarios / "baseline.toml").write_text(original)
    monkeypatch.setattr(calibrate, "ROOT", tmp_path)
    keys = [p.key for p in calibrate.PARAMETERS]
    k = keys.index("business_models.platform.exclusivity")
    x = calibrate.current_values()
    x[k] = 123.0
    calibrate.write_back(x)
    assert calibrate.current_values()[k] == 123.0
    changed = [
        (a, b)
        for a, b in zip(
            original.splitlines(),
            (scenarios / "baseline.toml").read_text().splitlines(),
            strict=True,
        )
        if a != b
    ]
    assert changed == [("exclusivity = 80.0", "exclusivity = 123")]


def test_confirmed_compass_search_runs_and_reports_both_ensembles(calibrate, tmp_path, monkeypatch):
    monkeypatch.setattr(
        calibrate, "SIZES", {"simulation.developers": 1000, "simulation.enterprises": 200}
    )
    # two of the parameters: the search runs end to end with a population of two
    monkeypatch.setattr(calibrate, "PARAMETERS", calibrate.PARAMETERS[:2])
    report = tmp_path / "calibration.md"
    calibrate.main(
        [
            "--method",
            "compass",
            "--budget",
            "2",
            "--seeds",
            "1",
            "--confirm-seeds",
            "2",
            "--report",
            str(report),
        ]
    )
    text = report.read_text()
    assert "--confirm-seeds 2 --confirm-from 30" in text
    marker = "on the 2 confirmation seeds (replications 30-31): "
    before, after = (
        float(x) for x in text.split(marker)[1].split(" fitted")[0].replace(" before,", "").split()
    )
    assert after <= before
    with pytest.raises(SystemExit):  # differential evolution has no confirmation step
        calibrate.main(["--confirm-seeds", "2", "--report", str(report)])


def test_confirmation_seeds_can_start_past_the_validations(calibrate):
    """--confirm-from 30 runs replications 30.. (apart from the validation's 0-29), with the
    same seeds in every arm; from 0 the experiment is unchanged."""
    from openness.experiments.design import replication_seed, run_specs
    from openness.experiments.validation import ensemble_experiment

    loaded, _ = ensemble_experiment(calibrate.ROOT / "scenarios" / "no_shock.toml", 3)
    assert calibrate.from_replication(loaded, 0) is loaded
    moved = calibrate.from_replication(loaded, 30)
    expected = [replication_seed(loaded.spec.seed, r) for r in (30, 31, 32)]
    runs = run_specs(moved)
    for arm in {run.arm for run in runs}:
        assert [run.seed for run in runs if run.arm == arm] == expected
    assert not set(expected) & {run.seed for run in run_specs(loaded)}


def test_search_and_confirmation_seeds_must_not_overlap(calibrate, capsys):
    """A move confirmed on the seeds it was found on is not confirmed at all."""
    with pytest.raises(SystemExit) as exit_:
        calibrate.main(
            [
                "--method",
                "compass",
                "--seeds",
                "8",
                "--search-from",
                "90",
                "--confirm-seeds",
                "10",
                "--confirm-from",
                "85",
            ]
        )
    assert exit_.value.code == 2
    assert "overlap" in capsys.readouterr().err


def test_a_margin_raises_every_targets_required_share_and_caps_it_at_one(calibrate):
    """--margin asks the fit for room: every target's required share of seeds rises by the
    margin, capped at every seed, and nothing else about the target changes."""
    from openness.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "deepseek_cascade.toml")
    raised = calibrate.with_margin(scenario, 0.05)
    for before, after in zip(scenario.targets, raised.targets, strict=True):
        assert after.share_of_seeds == min(1.0, before.share_of_seeds + 0.05)
        assert after.id == before.id and after.metric == before.metric
    assert calibrate.with_margin(scenario, 0.0) is scenario


def test_a_margin_outside_zero_to_one_is_refused(calibrate, capsys):
    with pytest.raises(SystemExit) as exit_:
        calibrate.main(["--method", "compass", "--margin", "1.5"])
    assert exit_.value.code == 2
    assert "--margin" in capsys.readouterr().err
