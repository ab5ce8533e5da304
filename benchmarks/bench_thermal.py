"""Speed of the bioheat model: one antenna, 5 min of power in 3 cycles (30 s pauses) plus 3 min of
cooling, on a 100 mm cube at 1 mm (101^3 voxels, perfused muscle). Target: <= 3 s on 2 cores.

Run: python benchmarks/bench_thermal.py

Reference measured in the same run: one numpy 3D Laplacian sweep (7-point, slicing) over the same
grid, times the number of time steps: the floor for an explicit scheme written in numpy. The ratio
model / reference below 1 means the whole model (variable properties, perfusion, dose, probes)
runs faster than numpy could do the Laplacian alone. The serial and the threaded numba kernels
are both timed (SPINE_PLANNER_THERMAL_THREADS picks the threaded one in the app), each twice.
Compilation is not in the model's time: the first call of each kernel (a compile, or a load from
numba's disk cache, cache=True) is timed and printed on its own. Wall and CPU time are printed: on a
shared machine the wall time includes waiting for a core.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.thermal import kernel  # noqa: E402
from planner.thermal.grid import ThermalGrid  # noqa: E402
from planner.thermal.protocol import ApplicatorProtocol, build_phases  # noqa: E402
from planner.thermal.solver import STABILITY, solve  # noqa: E402
from planner.thermal.sources import default_source_params, unit_sar  # noqa: E402
from planner.thermal.tissues import default_tissues  # noqa: E402


def laplacian_sweep_s(T: np.ndarray, repeats: int = 15) -> float:
    out = np.empty_like(T)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        c = T[1:-1, 1:-1, 1:-1]
        out[1:-1, 1:-1, 1:-1] = (T[:-2, 1:-1, 1:-1] + T[2:, 1:-1, 1:-1] + T[1:-1, :-2, 1:-1] + T[1:-1, 2:, 1:-1]
                                 + T[1:-1, 1:-1, :-2] + T[1:-1, 1:-1, 2:] - 6.0 * c)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    tissues = default_tissues()
    n = 101
    grid = ThermalGrid((-50.0, -50.0, -50.0), 1.0, (n, n, n))
    labels = np.full(grid.shape_kji, tissues.label("muscle"), np.uint8)
    par = default_source_params()["generic-mw-2450-1.6"]
    tip, d = np.array([0.0, 0.0, 15.0]), np.array([0.0, 0.0, 1.0])
    q = unit_sar(grid, par, tip, d, labels, tissues.mw_relative_absorption, power_w=30.0)
    phases, off, _ = build_phases([ApplicatorProtocol(par.efficiency_at(30.0) * 30.0, 300.0, 3, 30.0)])
    probes = [(10.0, 0.0, 0.0), (15.0, 0.0, 0.0)]
    print(f"grid {n}^3 = {grid.n_voxels:,} voxels at 1 mm; protocol: 3 x 100 s at 30 W, 30 s pauses, "
          f"power off at {off:.0f} s, 180 s cooling")
    results = {}
    for name, parallel in (("serial", False), ("threaded", True)):
        # first call on a tiny grid: compile, or load from numba's disk cache
        t0 = time.perf_counter()
        solve(ThermalGrid((0.0, 0.0, 0.0), 1.0, (8, 8, 8)), labels[:8, :8, :8].copy(), tissues,
              [q[:8, :8, :8].copy()], phases[:1], parallel=parallel)
        print(f"{name} kernel: first call (compile or cache load, not in the timings) "
              f"{time.perf_counter() - t0:.2f} s")
    for run in (1, 2):
        for name, parallel in (("serial", False), ("threaded", True)):
            t0, c0 = time.perf_counter(), time.process_time()
            res = solve(grid, labels, tissues, [q], phases, probes_lps=probes, parallel=parallel)
            results[f"{name} #{run}"] = (time.perf_counter() - t0, time.process_time() - c0, res)
    first = results["serial #1"][2]
    steps = first.steps
    lap = laplacian_sweep_s(np.full(grid.shape_kji, 37.0, np.float32))
    floor = lap * steps
    print(f"time steps: {steps} of {first.dt_s:.3f} s (stable limit x {STABILITY}); "
          f"numba threads available: {kernel.numba_threads()}")
    print(f"numpy 3D Laplacian sweep: {lap * 1e3:.2f} ms; x {steps} steps = {floor:.2f} s (reference)")
    for name, (secs, cpu, res) in results.items():
        print(f"model, {name} kernel: {secs:.2f} s wall, {cpu:.2f} s CPU (target 3 s: "
              f"{'met' if secs <= 3.0 else 'NOT met'}); ratio to the reference {secs / floor:.2f}; "
              f"peak at 10 mm {res.probes_c[:, 0].max():.2f} °C")
    return 0


if __name__ == "__main__":
    sys.exit(main())
