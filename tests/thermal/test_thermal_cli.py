"""``python -m planner thermal`` on the real 20-slice T11-T12 scan: the documented keys, nulls for
times never reached, a critical finding when the canal passes the alarm, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from planner.plan.document import PlanDocument
from planner.plan.io import write_plan
from planner.plan.items import Antenna, Needle, Thermocouple
from planner.thermal.safe import _search

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def _plan(vol, found, path, power_w, time_s, gap_mm, cycles=3):
    """An antenna tip ``gap_mm`` anterior of the canal's anterior wall on the middle canal slice of the
    scan ``vol`` with its automatic canal ``found`` (the session's, tests/conftest.py), entering 20 degrees
    from the sagittal plane; a thermocouple in the anterior epidural space and one far away (never heated)."""
    canal = found.mask
    ks = np.flatnonzero(canal.any(axis=(1, 2)))
    k = ks[len(ks) // 2]
    jj, ii = np.nonzero(canal[k])
    c = vol.to_lps([ii.mean(), jj.mean(), k])
    wall_y = vol.to_lps(np.stack([ii, jj, np.full_like(ii, k)], 1))[:, 1].min()
    tip = np.array([c[0] + 6.0, wall_y - gap_mm, c[2]])
    d = np.array([-np.sin(np.radians(20)), -np.cos(np.radians(20)), 0.0])
    ntip = tip - 15.0 * d
    doc = PlanDocument()
    n = Needle(tuple(ntip - 90 * d), tuple(ntip), side="left")
    doc.insert(n)
    doc.insert(Antenna(n.id, power_w=power_w, time_s=time_s, cycles=cycles, pause_s=20.0, id="antenna1"))
    tc = np.array([c[0] + 4.0, wall_y + 1.5, c[2]])
    doc.insert(Thermocouple(tuple(tc + [25, 60, 0]), tuple(tc), id="tc-epidural", name="epidural"))
    far = tip + np.array([0.0, -38.0, 0.0])
    doc.insert(Thermocouple(tuple(far + [0, 0, 30]), tuple(far), id="tc-far", name="far"))
    write_plan(doc, path)


@pytest.fixture(scope="module")
def near_report(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal, tmp_path_factory):
    path = tmp_path_factory.mktemp("plan") / "near.json"
    _plan(t11_t12_volume, t11_t12_canal, path, 30.0, 240.0, 20.0)
    result = _run("thermal", t11_t12_ct_dir, "--plan", path, "--json", "--no-safe-time")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.realdata
def test_documented_keys_and_nulls(near_report):
    r = near_report
    for key in ("power_off_s", "thermocouples", "structures", "safe_time_s", "findings", "damage", "grid"):
        assert key in r
    assert r["power_off_s"] == pytest.approx(240.0 + 2 * 20.0)
    assert r["end_s"] >= r["power_off_s"] + 180.0
    tcs = {t["id"]: t for t in r["thermocouples"]}
    for t in tcs.values():
        for key in ("id", "peak_c", "peak_time_s", "prealarm_time_s", "alarm_time_s", "cem43_min", "curve"):
            assert key in t
        assert len(t["curve"]["time_s"]) == len(t["curve"]["temperature_c"]) > 10
    far = tcs["tc-far"]
    assert far["alarm_time_s"] is None and far["prealarm_time_s"] is None and far["peak_c"] < 42.0
    names = {s["name"] for s in r["structures"]}
    assert {"canal", "cord"} <= names
    for s in r["structures"]:
        for key in ("name", "level", "side", "peak_c", "peak_time_s", "cem43_min"):
            assert key in s
    assert r["safe_time_s"] is None  # --no-safe-time
    assert any("beyond the scan" in w for w in r["warnings"])  # 38 mm of scan, a larger region


@pytest.mark.realdata
def test_canal_alarm_is_a_critical_finding_naming_structure_and_time(near_report):
    canal = next(s for s in near_report["structures"] if s["name"] == "canal")
    assert canal["alarm_time_s"] is not None and canal["peak_c"] > 45.0
    crit = [f for f in near_report["findings"] if f["severity"] == "critical" and f["code"] == "thermal_alarm"]
    assert any(f["message"].startswith("canal") and f"{canal['alarm_time_s']:.0f} s" in f["message"] for f in crit)
    epi = next(t for t in near_report["thermocouples"] if t["id"] == "tc-epidural")
    assert epi["peak_c"] > 42.0
    if epi["alarm_time_s"] is not None:
        assert epi["prealarm_time_s"] < epi["alarm_time_s"]


@pytest.mark.realdata
def test_out_of_range_power_is_refused_naming_the_range(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal, tmp_path):
    path = tmp_path / "bad.json"
    _plan(t11_t12_volume, t11_t12_canal, path, 50.0, 240.0, 20.0)
    result = _run("thermal", t11_t12_ct_dir, "--plan", path, "--json", "--no-safe-time")
    assert result.returncode == 2
    assert "20-40 W" in result.stderr and "Traceback" not in result.stderr


def test_safe_search_returns_the_largest_value_known_safe():
    """Bisection on a monotone alarm predicate with a known threshold (alarm from 200 s on)."""
    calls = []

    def alarmed(t):
        calls.append(t)
        return t >= 200.0
    got = _search(alarmed, 120.0, 300.0, iters=4)
    assert 188.0 <= got < 200.0            # within (300 - 120) / 2^4 = 11.25 s below the threshold
    assert _search(lambda t: False, 120.0, 300.0, 3) == 300.0
    assert _search(lambda t: True, 120.0, 300.0, 3) is None
