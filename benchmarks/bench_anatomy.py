"""Benchmark: the automatic anatomy on a 512x512x600 CT, and ``analyze`` end to end on the lumbar scan.

1. Anatomy: the shared lumbar scan (134 x 512^2, 3 mm) is resampled along z to 600 slices (0.67 mm,
   linear), a thin-slice CT with real anatomy. Each stage in ``STAGES`` is timed (median of
   ``--runs``) and printed as seconds and as a ratio to one ``scipy.ndimage.label`` pass over
   ``hu > 200`` of the same volume, measured in the same run. Target: the whole anatomy (body,
   vertebrae, canal, foramina) <= 5 s. To add a stage (canal, foramina), append
   ``("name", function(volume, results) -> result)`` to ``STAGES``; ``results`` holds the earlier
   stages' results by name. Then the four together as ``analyze`` runs them (the canal beside the body
   and the vertebrae, two threads), in a fresh process (numba's set-up paid again, as in ``analyze``).
2. ``analyze``: ``python -m planner analyze LUMBAR --json`` in a fresh process against SimpleITK's
   ``ImageSeriesReader`` reading the same series in a fresh process (median of ``--runs``).
   Target: <= 2x. Two figures, both reported: *cold* (an empty anatomy cache: everything computed,
   and written to the cache) and *warm* (the same series again: the anatomy read back from the
   on-disk cache, planner/anatomy/cache.py), plus ``--no-cache`` (computed, nothing written). The
   cache lives in a temporary folder made for this run. Each figure is printed in wall seconds and in
   CPU seconds of the child process (user + system, all threads) with both ratios: on a machine shared
   with other jobs the CPU ratio moves less.

Usage: ``python benchmarks/bench_anatomy.py [--data ../shared/data] [--slices 600] [--runs 1] [--skip-analyze |
--analyze-only]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import planner  # noqa: E402,F401  - first: its BLAS thread setting applies before numpy loads (as in the app)
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from planner.anatomy.body import segment_body  # noqa: E402
from planner.anatomy.canal import segment_canal  # noqa: E402
from planner.anatomy.foramina import find_foramina  # noqa: E402
from planner.anatomy.spine import find_spine  # noqa: E402
from planner.core.volume import ImageVolume  # noqa: E402
from planner.imaging import load_path  # noqa: E402

STAGES = [
    ("body", lambda volume, results: segment_body(volume)),
    ("vertebrae", lambda volume, results: find_spine(volume, results["body"])),
    ("canal", lambda volume, results: segment_canal(volume)),
    ("foramina", lambda volume, results: find_foramina(volume, results["canal"].mask)),
]

SITK = ("import SimpleITK as sitk, sys; r = sitk.ImageSeriesReader(); "
        "r.SetFileNames(r.GetGDCMSeriesFileNames(sys.argv[1])); r.Execute()")


def thin_slice_volume(folder: Path, slices: int) -> ImageVolume:
    v = load_path(folder)
    factor = slices / v.hu.shape[0]
    hu = ndimage.zoom(v.hu, (factor, 1.0, 1.0), order=1).astype(np.int16)
    spacing = (v.spacing_mm[0], v.spacing_mm[1], v.spacing_mm[2] * (v.hu.shape[0] - 1) / (hu.shape[0] - 1))
    return ImageVolume(hu=hu, spacing_mm=spacing, origin_lps=v.origin_lps, direction=v.direction)


def timed(fn, runs: int):
    """Median wall-clock seconds, median CPU seconds of this process (``time.process_time``: steadier
    than wall time on a machine shared with other jobs), and the result."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu), result


def bench_anatomy(folder: Path, slices: int, runs: int) -> None:
    volume = thin_slice_volume(folder, slices)
    print(f"volume {volume.hu.shape[::-1]} (i, j, k), spacing {tuple(round(s, 3) for s in volume.spacing_mm)} mm")
    ref_s, ref_cpu, _ = timed(lambda: ndimage.label(volume.hu > 200), runs)
    print(f"reference: one ndimage.label pass  {ref_s:6.2f} s  (CPU {ref_cpu:6.2f} s)")
    results, total, total_cpu = {}, 0.0, 0.0
    for name, fn in STAGES:
        seconds, cpu, results[name] = timed(lambda: fn(volume, results), runs)
        total, total_cpu = total + seconds, total_cpu + cpu
        print(f"{name:<12} {seconds:6.2f} s  = {seconds / ref_s:5.1f} x label   (CPU {cpu:6.2f} s = "
              f"{cpu / ref_cpu:5.1f} x label)")
    print(f"{'total':<12} {total:6.2f} s  = {total / ref_s:5.1f} x label   (CPU {total_cpu:6.2f} s = "
          f"{total_cpu / ref_cpu:5.1f} x label)   (target <= 5 s)")
    spine = results.get("vertebrae")
    if spine is not None:
        print(f"vertebrae: {len(spine.vertebrae)}; {spine.message}")
    together = []
    for _ in range(runs):  # in a fresh process: numba's import and set-up are paid again, as in analyze
        out = subprocess.run([sys.executable, __file__, "--together", "--data", str(folder.parents[1]),
                              "--slices", str(slices)], cwd=ROOT, check=True, capture_output=True, text=True)
        together.append([float(v) for v in out.stdout.split("TOGETHER")[1].split()[:2]])
    seconds, cpu = (statistics.median(t[n] for t in together) for n in (0, 1))
    print(f"{'together':<12} {seconds:6.2f} s  = {seconds / ref_s:5.1f} x label   (CPU {cpu:6.2f} s = "
          f"{cpu / ref_cpu:5.1f} x label)   (target <= 5 s): the canal beside the body and the vertebrae "
          "(two threads), then the foramina, as analyze runs them, in a fresh process")


def whole_anatomy(volume: ImageVolume):
    """The four stages as ``analyze`` runs them (planner/headless/analyze.py): the canal on this thread
    while a second one finds the body mask and then the vertebrae; the foramina once the canal is
    there."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        spine = pool.submit(lambda: find_spine(volume, segment_body(volume)))
        canal = segment_canal(volume)
        foramina = find_foramina(volume, canal.mask)
        return spine.result(), canal, foramina


def _child_run(cmd, env=None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, all its threads) of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_analyze(folder: Path, runs: int) -> None:
    """``analyze --json`` against SimpleITK's read, each in a fresh process: wall seconds (the target)
    and CPU seconds beside them (steadier than wall time when other jobs share the machine)."""
    analyze = [sys.executable, "-m", "planner", "analyze", str(folder), "--json"]

    def median(samples):
        return tuple(statistics.median(s[n] for s in samples) for n in (0, 1))
    sitk = median([_child_run([sys.executable, "-c", SITK, str(folder)]) for _ in range(runs)])
    nocache = median([_child_run(analyze + ["--no-cache"]) for _ in range(runs)])
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="anatomy-cache-") as tmp:
            env = dict(os.environ, SPINE_PLANNER_CACHE_DIR=tmp)
            env.pop("SPINE_PLANNER_NO_CACHE", None)
            cold.append(_child_run(analyze, env))
            warm.append(_child_run(analyze, env))
    cold, warm = median(cold), median(warm)

    def line(what, figures, note=""):
        print(f"{what:<31}{figures[0]:6.2f} s = {figures[0] / sitk[0]:4.1f} x read   (CPU {figures[1]:5.2f} s = "
              f"{figures[1] / sitk[1]:4.1f} x read's CPU){note}")
    print(f"SimpleITK read {sitk[0]:6.2f} s (reference; CPU {sitk[1]:5.2f} s)")
    line("analyze --json, --no-cache", nocache)
    line("analyze --json, cold cache", cold, " (computed + written)")
    line("analyze --json, warm cache", warm, " (target <= 2x)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--slices", type=int, default=600)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--skip-analyze", action="store_true")
    ap.add_argument("--analyze-only", action="store_true", help="only part 2 (analyze against the read)")
    ap.add_argument("--together", action="store_true", help=argparse.SUPPRESS)  # one timing, for the parent run
    args = ap.parse_args()
    folder = Path(args.data) / "ct-lumbar-tcia" / "dicom"
    if not folder.is_dir():
        print(f"the shared lumbar scan is missing: {folder}", file=sys.stderr)
        return 2
    if args.together:
        volume = thin_slice_volume(folder, args.slices)
        seconds, cpu, _ = timed(lambda: whole_anatomy(volume), 1)
        print(f"TOGETHER {seconds} {cpu}")
        return 0
    if not args.analyze_only:
        bench_anatomy(folder, args.slices, args.runs)
    if not args.skip_analyze:
        bench_analyze(folder, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
