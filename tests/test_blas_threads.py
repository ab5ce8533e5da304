"""``import planner`` sets one OpenBLAS thread unless the user set a number (planner/__init__.py, issue 13:
idle OpenBLAS workers spin after each of the planner's small products, taking a core from its own
threads). Checked in fresh processes: OpenBLAS reads the variable when numpy is first imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOW = "import planner, os, numpy; print(os.environ.get('OPENBLAS_NUM_THREADS'))"


def _run(env_value):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if env_value is not None:
        env["OPENBLAS_NUM_THREADS"] = env_value
    out = subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_one_blas_thread_by_default():
    assert _run(None) == "1"


def test_the_users_choice_is_kept():
    assert _run("2") == "2"
