"""Every scenario file in this folder, run headless (session level, no Qt), and the scenario file
format's checks: a QA tester adds a test by adding a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planner.scenarios import ScenarioError, load_scenario, result_text, run_scenario, scenario_files
from planner.scenarios.model import scenario_from_dict

HERE = Path(__file__).resolve().parent
FILES = scenario_files(HERE)
ROOT = HERE.parents[1]


@pytest.fixture(scope="module")
def cache(case_cache):
    return case_cache  # the sample as the session loaded and segmented it (tests/scenarios/conftest.py)


def test_the_folder_ships_enough_scenarios():
    assert len(FILES) >= 10
    tags = {t for f in FILES for t in load_scenario(f).tags}
    for needed in ("canal-overlap", "canal-near", "alarm", "prealarm", "canal-entry", "medial-breach", "power",
                   "undo", "bipedicular", "coverage"):
        assert needed in tags, needed


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario_headless(path, cache):
    result = run_scenario(load_scenario(path), cache)
    assert result.passed, result_text(result)
    assert result.checks, "a scenario should check something"


def test_a_wrong_expectation_fails_with_a_readable_report(cache):
    scenario = scenario_from_dict({"name": "wrong", "steps": [
        {"add_needle": {"label": "n", "entry_lps": [27.8, 100.6, -177.0], "tip_lps": [10.1, 17.2, -177.0]}},
        {"add_antenna": {"needle": "n", "power_w": 40, "time_s": 300}},
        {"expect": {"findings_absent": ["canal_overlap"], "items": {"needles": 3}}}]})
    result = run_scenario(scenario, cache)
    assert not result.passed
    text = result_text(result)
    assert "FAIL finding canal_overlap absent" in text and "FAIL number of needles = 3 (found: 1)" in text


def test_a_step_that_cannot_run_stops_the_scenario(cache):
    scenario = scenario_from_dict({"name": "bad", "steps": [
        {"add_antenna": {"needle": "nothing"}}, {"expect": {"items": {"needles": 0}}}]})
    result = run_scenario(scenario, cache)
    assert not result.passed and len(result.outcomes) == 1
    assert "no earlier step created an item labelled 'nothing'" in result.outcomes[0].message


def test_undo_counts_scenario_steps_not_commands(cache):
    scenario = scenario_from_dict({"name": "undo", "steps": [
        {"add_needle": {"label": "n", "entry_lps": [27.8, 100.6, -177.0], "tip_lps": [10.1, 17.2, -177.0]}},
        {"add_antenna": {"needle": "n", "power_w": 35, "time_s": 240}},  # three commands
        {"undo": 1}, {"expect": {"items": {"needles": 1, "antennas": 0}}},
        {"redo": 1}, {"expect": {"items": {"antennas": 1}}},
        {"undo": 3}]})
    result = run_scenario(scenario, cache)
    assert [o.ok for o in result.outcomes] == [True] * 6 + [False]
    assert "only 2 can be undone" in result.outcomes[-1].message


@pytest.mark.parametrize("data, message", [
    ({"steps": [{"analyze": {}}]}, "'name' must be a non-empty text"),
    ({"name": "x", "steps": []}, "'steps' must be a non-empty list"),
    ({"name": "x", "steps": [{"fly": {}}]}, "unknown step 'fly'"),
    ({"name": "x", "steps": [{"add_needle": {"label": "a", "entry_lps": [1, 2], "tip_lps": [0, 0, 0]}}]},
     "expected [x, y, z]"),
    ({"name": "x", "steps": [{"add_antenna": {"needle": "a", "power": 3}}]}, "does not take power"),
    ({"name": "x", "steps": [{"expect": {"coverage_percent": {"min": 5, "max": 1}}}]}, "min 5 is above max 1"),
    ({"name": "x", "steps": [{"add_target": {"label": "t", "centre_lps": [0, 0, 0]}}]}, "either radius_mm"),
    ({"name": "x", "steps": [{"undo": 0}]}, "whole number >= 1"),
])
def test_format_errors_name_the_step(data, message):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, "f.yaml")
    assert message in str(info.value) and "f.yaml" in str(info.value)


def test_yaml_and_json_give_the_same_scenario(tmp_path):
    data = {"name": "same", "steps": [{"undo": 2}, {"expect": {"thermocouple_c": {"tc": {"approx": 44, "tol": 1}}}}]}
    (tmp_path / "a.json").write_text(json.dumps(data))
    (tmp_path / "a.yaml").write_text("name: same\nsteps:\n  - undo: 2\n  - expect: {thermocouple_c: {tc: {approx: 44, tol: 1}}}\n")
    a, b = load_scenario(tmp_path / "a.json"), load_scenario(tmp_path / "a.yaml")
    assert a.steps == b.steps and a.name == b.name


def test_cli_exit_codes_and_report(tmp_path):
    good = HERE / "07_needle_enters_canal.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - expect: {items: {needles: 1}}\n")
    run = lambda *files: subprocess.run([sys.executable, "-m", "planner", "scenario", *map(str, files)],  # noqa: E731
                                        cwd=ROOT, capture_output=True, text=True, timeout=300)
    ok = run(good)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "PASS" in ok.stdout and "1 passed, 0 failed" in ok.stdout
    failed = run(good, bad)
    assert failed.returncode == 1
    assert "FAIL number of needles = 1 (found: 0)" in failed.stdout and "1 passed, 1 failed" in failed.stdout
    missing = run(tmp_path / "nope.json")
    assert missing.returncode == 1 and "cannot be read" in missing.stdout
