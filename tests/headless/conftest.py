"""The sample's ``python -m planner analyze`` run, shared (issue 15: the suite's time).

``plan_file``: one needle through the sample's left L2 pedicle (from its ground-truth landmarks) with a
40 W / 300 s antenna and a thermocouple beside the canal. ``sample_analyze_report``: ``analyze SAMPLE
--plan plan_file --json --save-canal canal.nrrd`` run once per session in a subprocess (seconds) and read
by tests/headless/test_analyze_cli.py and test_analyze_anatomy.py, which ran the same analysis twice
(the second time without ``--save-canal``; ``analyze`` without it is run on the sample by
tests/planning/test_propose_cli.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from planner.core.resources import sample_dir
from planner.plan.document import PlanDocument
from planner.plan.io import write_plan
from planner.plan.items import Antenna, Needle, Thermocouple

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def plan_file(tmp_path_factory, sample_series):
    """(plan path, the needle, its unit direction)."""
    lm = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    ped = lm["vertebrae"]["L2"]["pedicles"]["left"]
    entry, target = np.asarray(ped["entry_lps"]), np.asarray(ped["target_lps"])
    d = (target - entry) / np.linalg.norm(target - entry)
    doc = PlanDocument()
    needle = Needle(tuple(entry - 45 * d), tuple(target), name="L2 left", level="L2", side="left")
    doc.insert(needle)
    doc.insert(Antenna(needle.id, power_w=40.0, time_s=300.0, id="antenna1"))
    canal = np.asarray(lm["vertebrae"]["L2"]["canal_centre_lps"])
    doc.insert(Thermocouple(tuple(canal + [30, 40, 0]), tuple(canal + [6, 0, 0]), id="tc1"))
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    write_plan(doc, path)
    return path, needle, d


@pytest.fixture(scope="session")
def sample_analyze_report(plan_file, sample_series, tmp_path_factory):
    """(the JSON report, the path of the canal it saved)."""
    canal_path = tmp_path_factory.mktemp("canal") / "canal.nrrd"
    result = subprocess.run([sys.executable, "-m", "planner", "analyze", str(sample_series), "--plan",
                             str(plan_file[0]), "--json", "--save-canal", str(canal_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), canal_path
