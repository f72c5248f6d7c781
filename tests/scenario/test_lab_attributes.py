"""No lab has a behavioural parameter of its own: labs differ only by observable attributes,
each with a source or an assumption mark in ODD section 8."""

import re

from openness.scenario import load_scenario
from openness.scenario.schema import Decision, Lab, StanceWeights
from tests.conftest import BASELINE, ROOT

#: parameters of how labs decide: shared by every lab in [decision], never in a lab's table
BEHAVIOURAL = (
    set(Decision.model_fields)
    | set(StanceWeights.model_fields)
    | {"safety_weight", "stance_weight", "ecosystem_value", "moat_value", "capital_pressure"}
)
SOURCE_MARKS = re.compile(r"\b(D[0-4]|P|E|A|O|F|definition|initial state)\b")


def odd_lab_attribute_rows() -> dict[str, str]:
    """{field: source} from the table of lab attributes in ODD section 8."""
    text = (ROOT / "docs" / "ODD.md").read_text()
    section = text[text.index("## 8. Parameters") : text.index("## 9.")]
    table = section[section.index("### Lab attributes") :]
    table = table[: table.index("\n\n", table.index("|"))]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for name in re.findall(r"`(\w+)`", cells[0]) if len(cells) > 2 else []:
            rows[name] = cells[-1]
    return rows


def test_no_lab_field_is_a_behavioural_parameter():
    assert not set(Lab.model_fields) & BEHAVIOURAL


def test_no_lab_table_in_the_baseline_carries_a_behavioural_field():
    for lab in load_scenario(BASELINE).labs:
        assert not lab.model_fields_set & BEHAVIOURAL, lab.name


def test_every_lab_attribute_has_a_source_or_an_assumption_mark_in_odd_section_8():
    rows = odd_lab_attribute_rows()
    assert set(rows) == set(Lab.model_fields)
    for name, source in rows.items():
        assert SOURCE_MARKS.search(source), f"{name}: no source mark in {source!r}"
