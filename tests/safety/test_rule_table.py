"""The rule table: one enum of codes, one spec per code, docs generated from the table."""

from pathlib import Path

import pytest

from planner.analysis.rules import Code, all_rules, rules_markdown, spec_for
from planner.analysis.thresholds import SafetyThresholds

DOCS = Path(__file__).resolve().parents[2] / "docs" / "safety-rules.md"


def test_every_code_has_exactly_one_rule_with_a_source():
    declared = [s.code for r in all_rules() for s in r.specs]
    assert sorted(declared) == sorted(Code), "each Code member is declared by exactly one rule module"
    for rule in all_rules():
        assert rule.doc, f"rule module {rule.module} has no docstring"
        for spec in rule.specs:
            assert spec.source.strip() and spec.summary.strip(), spec.code


def test_thresholds_named_by_rules_exist():
    fields = set(SafetyThresholds.__dataclass_fields__)
    for rule in all_rules():
        for spec in rule.specs:
            for name in spec.thresholds:
                if "." in name or " " in name:  # an item field ("Thermocouple.alarm_c") or a stated constant
                    continue
                assert name in fields, f"{spec.code}: unknown threshold {name}"


def test_docs_are_generated_from_the_table():
    assert DOCS.read_text(encoding="utf-8").strip() == rules_markdown().strip(), (
        "docs/safety-rules.md is out of date: python3 -m planner.analysis.rules > docs/safety-rules.md")


def test_codes_parse_in_either_casing_and_unknown_codes_are_named():
    assert Code.parse("TC_ALARM") is Code.TC_ALARM and Code.parse("tc_alarm") == "tc_alarm"
    assert f"{Code.CANAL_OVERLAP}" == "canal_overlap"
    with pytest.raises(ValueError, match="unknown finding code 'TC_ALRAM'"):
        Code.parse("TC_ALRAM")
    assert spec_for("tc_alarm").display == "alarm" and spec_for("nonsense") is None


def test_a_scenario_with_a_misspelt_code_is_refused():
    from planner.scenarios.model import ScenarioError, scenario_from_dict
    with pytest.raises(ScenarioError, match="TC_ALRAM"):
        scenario_from_dict({"name": "x", "steps": [{"expect": {"findings_present": ["TC_ALRAM"]}}]})
