import pytest

from openness.scenario import ScenarioError, content_hash, load_scenario
from tests.conftest import BASELINE, ROOT


def test_baseline_names_the_labs_of_the_documents():
    names = {lab.name for lab in load_scenario(BASELINE).labs}
    assert {
        "OpenAI",
        "Anthropic",
        "Google",
        "Meta",
        "DeepSeek",
        "Alibaba",
        "Zhipu",
        "Moonshot",
        "MiniMax",
        "Mistral",
        "NVIDIA",
    } <= names
    majors = {lab.name for lab in load_scenario(BASELINE).labs if lab.major}
    assert majors == {
        "OpenAI",
        "DeepSeek",
        "Alibaba",
        "Zhipu",
        "NVIDIA",
        "Meta",
        "Anthropic",
        "Google",
    }


def test_extends_merges_labs_by_name_and_appends_events(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text(
        f'extends = "{BASELINE}"\nname = "child"\n[simulation]\nmonths = 24\n'
        '[[labs]]\nname = "DeepSeek"\nefficiency = 9.0\n'
        '[[events]]\nmonth = "2025-01"\nkind = "efficiency"\nlab = "DeepSeek"\nfactor = 20\n'
    )
    base, sc = load_scenario(BASELINE), load_scenario(child)
    assert sc.simulation.months == 24 and sc.simulation.developers == base.simulation.developers
    assert len(sc.labs) == len(base.labs)
    deepseek = next(lab for lab in sc.labs if lab.name == "DeepSeek")
    assert deepseek.efficiency == 9.0 and deepseek.capital == 500.0
    assert len(sc.events) == len(base.events) + 1
    assert content_hash(sc) != content_hash(base)


def test_content_hash_is_stable_and_tracks_content():
    assert content_hash(load_scenario(BASELINE)) == content_hash(load_scenario(BASELINE))
    changed = load_scenario(BASELINE, {"world.spillover_open": 0.2})
    assert content_hash(changed) != content_hash(load_scenario(BASELINE))


def test_overrides_reach_named_list_items():
    sc = load_scenario(BASELINE, {"labs.Anthropic.stance": "none"})
    assert next(lab for lab in sc.labs if lab.name == "Anthropic").stance == "none"


def test_overrides_reach_a_policy_by_its_kind():
    funded = ROOT / "scenarios" / "consolidation_open_funding.toml"
    sc = load_scenario(funded, {"regulators.EU.policies.open_funding.training_share": 0.5})
    (eu,) = (r for r in sc.regulators if r.name == "EU")
    funding = [p for p in eu.policies if p.kind == "open_funding"]
    assert len(eu.policies) > 1 and funding[0].training_share == 0.5


def test_an_override_of_an_unknown_list_item_names_it():
    funded = ROOT / "scenarios" / "consolidation_open_funding.toml"
    with pytest.raises(ScenarioError, match="no item named 'open_release_ban'"):
        load_scenario(funded, {"regulators.EU.policies.open_release_ban.threshold_flops": 1e25})


def test_targets_are_parsed_and_kept(tmp_path):
    child = tmp_path / "t.toml"
    child.write_text(
        f'extends = "{BASELINE}"\nname = "t"\n[[targets]]\nid = "C3"\n'
        'metric = "n_major_frontier_open"\nmonth = "2026-02"\n'
        'comparison = "between"\nrange = [5, 7]\nshare_of_seeds = 0.7\n'
        'pattern = "C3"\n'
    )
    (target,) = load_scenario(child).targets
    assert target.range == (5.0, 7.0) and target.share_of_seeds == pytest.approx(0.7)


def test_one_line_changes_an_inherited_policys_start(tmp_path):
    cascade_world = BASELINE.parent / "cascade_world.toml"
    child = tmp_path / "later_gpai.toml"
    child.write_text(
        f'extends = "{cascade_world}"\nname = "later_gpai"\n[[regulators]]\n'
        'name = "EU"\n[[regulators.policies]]\nname = "eu-gpai-obligations"\n'
        'start = "2026-06"\n'
    )
    parent, sc = load_scenario(cascade_world), load_scenario(child)
    before = next(r for r in parent.regulators if r.name == "EU").policies
    after = next(r for r in sc.regulators if r.name == "EU").policies
    assert len(after) == len(before) == 1
    assert after[0].start == "2026-06" and before[0].start == "2025-08"
    assert after[0].model_dump(exclude={"start"}) == before[0].model_dump(exclude={"start"})


def test_a_new_name_adds_a_second_policy_of_the_same_kind(tmp_path):
    cascade_world = BASELINE.parent / "cascade_world.toml"
    child = tmp_path / "two.toml"
    child.write_text(
        f'extends = "{cascade_world}"\nname = "two"\n[[regulators]]\nname = "EU"\n'
        '[[regulators.policies]]\nname = "second-gpai"\nkind = "gpai"\n'
        'start = "2027-01"\nmonthly_cost_closed = 1.0\nmonthly_cost_open = 0.5\n'
    )
    eu = next(r for r in load_scenario(child).regulators if r.name == "EU")
    assert [p.name for p in eu.policies] == ["eu-gpai-obligations", "second-gpai"]


def test_an_unnamed_entry_of_a_kind_the_parent_has_is_refused(tmp_path):
    from openness.scenario import ScenarioError

    cascade_world = BASELINE.parent / "cascade_world.toml"
    child = tmp_path / "unnamed.toml"
    child.write_text(
        f'extends = "{cascade_world}"\nname = "unnamed"\n[[regulators]]\n'
        'name = "EU"\n[[regulators.policies]]\nkind = "gpai"\nstart = "2026-01"\n'
        "monthly_cost_closed = 1.0\nmonthly_cost_open = 0.5\n"
    )
    with pytest.raises(ScenarioError, match="without a name") as info:
        load_scenario(child)
    assert "eu-gpai-obligations" in str(info.value) and str(child) in str(info.value)
