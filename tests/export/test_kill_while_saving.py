"""Killing the process at any moment of a save leaves the old plan or a new one, never a broken file.

A child process writes large plans in a loop with :func:`planner.plan.io.write_plan`; the test sends
SIGKILL at a random moment, 30 times, and after every kill reads the file back: it must be complete and
valid (``read_plan`` succeeds). The plan is built once per child (building it emits a plan event per
item) and one needle is renamed before each save, so the saves can be told apart.

The kill moment never depends on the machine's speed (a save took 5 ms on an idle machine and 220 ms
on the shared one under load, where a fixed 0-250 ms delay killed most children before their first save
ended and the test failed now and then): the child reports every finished save with its duration; the
parent waits for 0, 1 or 2 of them, then kills at a random fraction of the last save's duration, i.e.
somewhere inside the next save (or the plan's building, for 0)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planner.plan.io import read_plan

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
ROOT = Path(__file__).resolve().parents[2]
N_NEEDLES = 60  # within planner.plan.limits.MAX_ITEMS (64 needles); every item read emits a psygnal event
KILLS = 30

CHILD = """
import sys
import time
from planner.plan.document import PlanDocument
from planner.plan.io import write_plan
from planner.plan.items import Needle

path, generation, n, once = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "once"
doc = PlanDocument()
for i in range(n):
    doc.insert(Needle((i * 0.01, 50.0, 0.0), (i * 0.01, 0.0, 1.0), name=f"needle {i}", id=f"n{i}"))
print("ready", flush=True)
while True:
    start = time.perf_counter()
    doc.set_fields("n0", name=f"gen {generation}")  # marks which save this is
    write_plan(doc, path)
    print(f"saved {time.perf_counter() - start:.6f}", flush=True)
    if once:
        break
    generation += 1
"""


def _child(path: Path, generation: int, once: bool = False) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(generation), str(N_NEEDLES),
                              "once" if once else "loop"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    return child


def _wait_for_save(child) -> float:
    """Block until the child reports a finished save; that save's duration in seconds."""
    word, seconds = child.stdout.readline().split()
    assert word == "saved"
    return float(seconds)


def test_sigkill_during_saves_never_breaks_the_file(tmp_path):
    path = tmp_path / "plan.json"
    first = _child(path, 0, once=True)
    save_s = _wait_for_save(first)
    assert first.wait(timeout=60) == 0
    first.stdout.close()
    rng = random.Random(1234)
    generations_seen, leftovers = set(), 0
    for kill in range(KILLS):
        child = _child(path, 1000 * (kill + 1))
        for _ in range(rng.choice((0, 1, 1, 2))):  # after 1 or 2 finished saves the file is this child's
            save_s = _wait_for_save(child)
        time.sleep(rng.uniform(0.0, 1.0) * save_s)  # somewhere inside the next save
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        doc = read_plan(path)  # must always succeed: complete and valid
        assert len(doc.needles) == N_NEEDLES
        assert doc.needles[-1].name == f"needle {N_NEEDLES - 1}"
        generations_seen.add(doc.needles[0].name)
        leftovers += len(list(tmp_path.glob(".plan.json.*.tmp")))
    assert len(generations_seen) > 3, "the child hardly ever finished a save: the test proves little"
    # the temporary files of the killed saves are stale; one successful save removes them all
    old = time.time() - 3600
    for tmp in tmp_path.glob(".plan.json.*.tmp"):
        os.utime(tmp, (old, old))
    last = _child(path, 999_999, once=True)
    _wait_for_save(last)
    assert last.wait(timeout=60) == 0
    last.stdout.close()
    assert list(tmp_path.glob(".plan.json.*.tmp")) == []
    print(f"{KILLS} kills, {len(generations_seen)} distinct saved plans, {leftovers} interrupted temp files")
