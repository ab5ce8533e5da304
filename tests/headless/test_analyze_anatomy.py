"""``analyze --json`` on the sample: the issue-13 keys (foramina, beyond-the-vertebra figures)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def report(sample_analyze_report):
    return sample_analyze_report[0]  # the same analyze run as test_analyze_cli.py's (conftest.py)


def test_foramina_and_outside_vertebra_keys(report):
    assert isinstance(report["foramina"], list) and report["foramina"]
    for f in report["foramina"]:
        assert set(f) >= {"level", "side", "distance_to_zone_mm", "centre_lps"}
        assert f["side"] in ("left", "right")
        assert f["distance_to_zone_mm"] is None or isinstance(f["distance_to_zone_mm"], float)
    sides = {f["side"] for f in report["foramina"]}
    assert sides == {"left", "right"}
    (zone,) = report["zones"]
    assert zone["outside_vertebra_ml"] is not None and 0.0 <= zone["outside_vertebra_ml"] <= zone["volume_ml"]
    assert isinstance(zone["outside_directions"], dict)
    for name, d in zone["outside_directions"].items():
        assert name in ("anterior", "lateral_left", "lateral_right", "posterior", "disc", "lung")
        assert d["volume_ml"] >= 0 and d["max_beyond_mm"] >= 0
    assert abs(sum(d["volume_ml"] for d in zone["outside_directions"].values()) - zone["outside_vertebra_ml"]) < 1e-3


def test_anatomy_findings_come_once_from_the_rule_table(report):
    """Issue 13 wiring: the foramen and beyond-the-vertebra findings are the evaluation's (rule table),
    not appended a second time by ``analyze``."""
    from planner.analysis.rules import spec_for

    keys = [(f["code"], f["item"], f["message"]) for f in report["findings"]]
    assert len(keys) == len(set(keys))
    for f in report["findings"]:
        assert spec_for(f["code"]) is not None, f["code"]  # every code is registered
    (zone,) = report["zones"]
    beyond = {f["code"] for f in report["findings"] if f["code"].startswith("zone_beyond_vertebra_")}
    assert beyond == {f"zone_beyond_vertebra_{d}" for d in zone["outside_directions"]}
