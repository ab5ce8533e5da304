"""``spine-planner --self-test`` from the source tree: every check prints its figure and passes on the
bundled sample; a failing check exits non-zero and names itself."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from planner.headless import selftest

ROOT = Path(__file__).resolve().parents[2]


def parse_self_test(stdout: str) -> dict[str, re.Match]:
    """The figures of a passing self-test run, by check (the same parser serves the bundle test)."""
    patterns = {
        "sample": r"ok   sample loaded: (\d+)x(\d+)x(\d+) voxels",
        "canal": r"ok   canal segmented: ([\d.]+) mL \(ground truth ([\d.]+) mL, Dice ([\d.]+)\)",
        "zones": r"ok   zones: (\d+), overlap ([\d.]+) mL",
        "findings": r"ok   findings: (\d+) \((\d+) critical: ([A-Za-z_, ]+)\)",
        "render": r"ok   3D render: (\d+)x(\d+), (\d+) non-background pixels",
    }
    found = {name: re.search(p, stdout) for name, p in patterns.items()}
    missing = [name for name, m in found.items() if m is None]
    assert not missing, f"self-test output lacks {missing}:\n{stdout}"
    return found


def check_figures(stdout: str) -> None:
    f = parse_self_test(stdout)
    assert tuple(map(int, f["sample"].groups())) == (256, 256, 104)  # sample_dicom/README.md
    canal_ml, truth_ml, dice = map(float, f["canal"].groups())
    assert dice >= selftest.MIN_CANAL_DICE and abs(canal_ml - truth_ml) < 0.15 * truth_ml
    assert int(f["zones"].group(1)) == 2  # one zone per antenna of the bipedicular demo plan
    assert float(f["zones"].group(2)) > 0  # the demo plan deliberately reaches the canal
    assert "CANAL_OVERLAP" in f["findings"].group(3)
    w, h, drawn = map(int, f["render"].groups())
    assert (w, h) == selftest.RENDER_SIZE_PX and drawn >= selftest.MIN_SCENE_FRACTION * w * h
    assert "self-test passed: 6 checks" in stdout


def test_self_test_from_source_tree_passes_and_prints_figures():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "planner", "--self-test"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    check_figures(result.stdout)


def test_missing_sample_fails_with_the_check_named(monkeypatch, tmp_path):
    import planner.core.resources as resources

    monkeypatch.setattr(resources, "sample_series_dir", lambda: tmp_path / "no-series")
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("FAIL resources: the sample case is missing"), out.getvalue()


def test_first_failure_stops_the_run_and_reports_the_figure(monkeypatch):
    ran = []

    def passing(state):
        ran.append("passing")
        return "first: 1 thing"

    def failing(state):
        ran.append("failing")
        raise selftest.CheckFailed("3D render: 800x600, 12 non-background pixels (0.0 %)")

    def never(state):
        ran.append("never")
        return "unreachable"

    monkeypatch.setattr(selftest, "CHECKS", (("first", passing), ("render", failing), ("after", never)))
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    assert ran == ["passing", "failing"]
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("ok   first: 1 thing")
    assert lines[2] == "FAIL render: 3D render: 800x600, 12 non-background pixels (0.0 %)"


def test_unexpected_error_is_one_line_not_a_traceback(monkeypatch):
    def broken(state):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(selftest, "CHECKS", (("canal", broken),))
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    assert out.getvalue().splitlines()[-1] == "FAIL canal: ZeroDivisionError: division by zero"
    assert "Traceback" not in out.getvalue()
