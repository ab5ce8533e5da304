"""Benchmark: load a 512x512x600 uncompressed CT series, against SimpleITK and `cat` in the same run.

Writes the series to a temporary folder, then times each reader in a fresh Python process
(5 runs each by default, median), and measures our peak memory above the interpreter's baseline:

- ours: ``planner.imaging.load_path(folder)`` (header scan + grouping + sorting + pixel decode)
- SimpleITK: ``ImageSeriesReader`` with ``GetGDCMSeriesFileNames`` (its own sorting) + ``Execute``
- cat: the ``cat`` command reading every file to /dev/null (the I/O floor)

Targets: ours <= 0.5 x SimpleITK; peak memory <= 1.5 x the final volume's bytes above baseline.
Usage: ``python benchmarks/bench_load.py [--slices 600] [--size 512] [--runs 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OURS = """
import sys, time, json
sys.path.insert(0, {root!r})
from planner.imaging import load_path
t = time.perf_counter(); v = load_path({folder!r}); dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "shape": list(v.hu.shape)}}))
"""

SITK = """
import time, json
import SimpleITK as sitk
t = time.perf_counter()
reader = sitk.ImageSeriesReader()
names = reader.GetGDCMSeriesFileNames({folder!r})
t_names = time.perf_counter() - t
reader.SetFileNames(names)
image = reader.Execute()
arr = sitk.GetArrayViewFromImage(image)
dt = time.perf_counter() - t
print(json.dumps({{"seconds": dt, "names_seconds": t_names, "shape": list(arr.shape)}}))
"""

CAT = """
import time, json, subprocess, glob
files = sorted(glob.glob({pattern!r}))
t = time.perf_counter()
subprocess.run(["cat", *files], stdout=subprocess.DEVNULL, check=True)
print(json.dumps({{"seconds": time.perf_counter() - t}}))
"""

MEMORY = """
import sys, json, tracemalloc
sys.path.insert(0, {root!r})
from planner.imaging import load_path
load_path({warm!r})  # load code paths and thread pool once, on a 3-slice series
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
base_rss = status("VmRSS:")
tracemalloc.start()
v = load_path({folder!r})
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps({{"rss_peak_above_baseline": status("VmHWM:") - base_rss,
                  "tracemalloc_peak": peak, "volume_bytes": v.hu.nbytes}}))
"""


def run_fresh(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_volume(n_slices: int, size: int):
    """A body-like phantom: water cylinder with a bone ring and noise, air outside (int16 HU)."""
    from planner.core.volume import ImageVolume

    rng = np.random.default_rng(0)
    jj, ii = np.mgrid[0:size, 0:size]
    r = np.hypot(ii - size / 2, jj - size / 2)
    plane = np.where(r < size * 0.4, 40, -1000).astype(np.int16)
    plane[(r > size * 0.1) & (r < size * 0.13)] = 900
    hu = np.empty((n_slices, size, size), np.int16)
    for k in range(n_slices):
        hu[k] = plane + rng.integers(-20, 20, size=(size, size), dtype=np.int16)
    return ImageVolume(hu, (0.7, 0.7, 0.75), (-180.0, -180.0, -400.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--slices", type=int, default=600)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from planner.imaging import write_series

    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        folder, warm = os.path.join(tmp, "series"), os.path.join(tmp, "warm")
        volume = make_volume(args.slices, args.size)
        paths = write_series(volume, folder)
        write_series(make_volume(3, 32), warm)
        total_bytes = sum(os.path.getsize(p) for p in paths)
        del volume
        print(f"series: {args.slices} x {args.size}x{args.size}, {len(paths)} files, {total_bytes / 1e6:.0f} MB")
        fmt = dict(root=str(ROOT), folder=folder, warm=warm, pattern=os.path.join(folder, "*.dcm"))
        run_fresh(CAT.format(**fmt))  # warm the page cache for everyone
        results = {name: [run_fresh(code.format(**fmt)) for _ in range(args.runs)]
                   for name, code in (("cat", CAT), ("sitk", SITK), ("ours", OURS))}
        memory = run_fresh(MEMORY.format(**fmt))
    t = {name: statistics.median(r["seconds"] for r in runs) for name, runs in results.items()}
    names_s = statistics.median(r["names_seconds"] for r in results["sitk"])
    vol_bytes = memory["volume_bytes"]
    speed_ratio = t["ours"] / t["sitk"]
    mem_ratio = memory["rss_peak_above_baseline"] / vol_bytes
    print(f"cat (read all bytes)    : {t['cat']:.3f} s  ({total_bytes / t['cat'] / 1e9:.2f} GB/s)")
    print(f"SimpleITK series reader : {t['sitk']:.3f} s  (of which GetGDCMSeriesFileNames {names_s:.3f} s)")
    print(f"ours (load_path)        : {t['ours']:.3f} s  = {t['ours'] / t['cat']:.1f} x cat")
    print(f"speed ratio ours/SimpleITK = {speed_ratio:.2f}  (target <= 0.50)  "
          f"{'PASS' if speed_ratio <= 0.5 else 'MISS'}")
    print(f"  (against SimpleITK's Execute alone, without its file sorting: "
          f"{t['ours'] / (t['sitk'] - names_s):.2f})")
    print(f"volume {vol_bytes / 1e6:.0f} MB; peak RSS above baseline {memory['rss_peak_above_baseline'] / 1e6:.0f} MB; "
          f"tracemalloc peak {memory['tracemalloc_peak'] / 1e6:.0f} MB")
    print(f"memory ratio peak/volume = {mem_ratio:.2f}  (target <= 1.50)  {'PASS' if mem_ratio <= 1.5 else 'MISS'}")


if __name__ == "__main__":
    main()
