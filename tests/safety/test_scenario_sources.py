"""Scenario bounds say where they come from, and the references they quote are recomputed (issue 15)."""

import math
import re
from pathlib import Path

import pytest

from planner.scenarios.model import NumberSpec, load_scenario
from tests.scenarios import references as ref

FOLDER = Path(__file__).resolve().parents[1] / "scenarios"
FILES = sorted(p for p in FOLDER.iterdir() if p.suffix in (".yaml", ".json"))
LESION = ((8.5, 32.6, -178.25), (9, 7.5, 8))
LEFT = (27.8, 100.6, -177.0)


def _specs(scenario):
    for step in scenario.steps:
        if step.kind != "expect":
            continue
        for key, value in step.args.items():
            if isinstance(value, NumberSpec):
                yield key, value
            elif isinstance(value, dict):
                for label, spec in value.items():
                    if isinstance(spec, NumberSpec) and key != "items":
                        yield f"{key}.{label}", spec


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_range_bound_has_a_source(path):
    for key, spec in _specs(load_scenario(path)):
        exact = spec.label.startswith("= ")
        if (math.isfinite(spec.minimum) or math.isfinite(spec.maximum)) and not exact:
            assert spec.source.strip(), f"{path.name}: {key} {spec.describe()} has no source"


def _source(name, key):
    return dict(_specs(load_scenario(FOLDER / name)))[key].source


def test_quoted_coverage_references_are_current():
    cases = {
        ("02_unipedicular_canal_near.yaml", "coverage_percent"): [ref.zone(LEFT, (10.1, 17.2, -177.0), 35, 240)],
        ("11_bipedicular_pair.yaml", "coverage_percent"): [ref.zone(LEFT, (11.0, 21.5, -177.0), 30, 210)],
        ("04_zone_clear_of_canal.json", "coverage_percent"): [ref.zone(LEFT, (10.1, 17.2, -177.0), 25, 180)],
    }
    for (name, key), zones in cases.items():
        value = ref.coverage_percent(*LESION, zones, h_mm=0.2)  # the 0.1 mm figure within 0.03 points
        quoted = float(re.search(r"reference ([\d.]+) %", _source(name, key)).group(1))
        assert abs(quoted - value) <= 0.1, (name, quoted, value)


def test_quoted_ground_truth_overlaps_are_current():
    tip = (12.9, 30.3, -177.0)
    mirror = ((-LEFT[0], LEFT[1], LEFT[2]), (-tip[0], tip[1], tip[2]))
    cases = {
        ("03_zone_reaches_canal.yaml", "canal_overlap_ml"): [ref.zone(LEFT, tip, 40, 300)],
        ("12_full_coverage_bipedicular.yaml", "canal_overlap_ml"): [ref.zone(LEFT, tip, 40, 240),
                                                                    ref.zone(*mirror, 40, 240)],
    }
    for (name, key), zones in cases.items():
        value = ref.truth_overlap_ml(zones)
        assert f"= {value:.2f} mL" in _source(name, key), (name, value)
