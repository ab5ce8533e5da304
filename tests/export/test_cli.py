"""``python -m planner export`` runs headless: exit 0 with the files, or 2 with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pydicom
import pytest

from planner.plan.io import write_plan
from tests.export.conftest import demo_plan_with_level, identifiers_in

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "planner", "export", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory, sample_series):
    from planner.imaging import load_path
    from planner.plan.items import SeriesRef

    info = load_path(sample_series).info
    return write_plan(demo_plan_with_level(SeriesRef.from_series_info(info)), tmp_path_factory.mktemp("p") / "plan.json")


def test_dicom_export_deidentified_end_to_end(plan_file, sample_series, tmp_path):
    result = _run(plan_file, "--series", sample_series, "--to", "dicom", "--out", tmp_path / "dcm", "--deidentify")
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "dcm").glob("*.dcm"))
    assert len(files) == 1 + 4 * 2 + 1  # report, 4 views per needle, 3D view
    for path in files:
        assert identifiers_in(path) == [], path.name
    assert b"SYNTH" not in (result.stdout + result.stderr).encode()
    report = pydicom.dcmread(tmp_path / "dcm" / "report.dcm")
    assert report.PatientIdentityRemoved == "YES" and report.DocumentTitle


def test_slicer_export_without_a_series(plan_file, tmp_path):
    out = tmp_path / "plan.mrk.json"
    result = _run(plan_file, "--to", "slicer", "--out", out)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(out.read_text())["markups"]) == 5


@pytest.mark.parametrize("problem", ["bad_version", "missing_series", "wrong_frame"])
def test_failures_exit_2_with_a_message(problem, plan_file, sample_series, tmp_path):
    data = json.loads(plan_file.read_text())
    args = ["--series", sample_series, "--to", "pdf", "--out", tmp_path / "r.pdf"]
    if problem == "bad_version":
        data["schema_version"] = 99
    elif problem == "missing_series":
        args[1] = tmp_path / "nowhere"
    else:
        data["series"]["frame_of_reference_uid"] = "1.2.3.4"
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(data))
    result = _run(bad, *args)
    assert result.returncode == 2 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    if problem == "wrong_frame":
        assert "frame of reference" in result.stderr and "--allow-mismatch" in result.stderr
    assert not (tmp_path / "r.pdf").exists()
