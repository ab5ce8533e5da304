"""Speed of the reachability map and of a proposal for one level, against one corridor check.

Run: python benchmarks/bench_propose.py

Case: the bundled sample, L2, the ground-truth lesion as GTV, its ISRC CTV; and, when the real data
is present, the TCIA L2 body (slice 57; docs/levels.md) with a 15 mm sphere target. Targets (issue 17): proposal <= 10 s,
reachability <= 5 s. Each is also printed as a ratio to the time of one single trajectory's
corridor check measured in the same run (the planner's full check, and the search's coarser one), i.e.
how many single checks the search costs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# planner before numpy, as the app imports it: ``import planner`` sets one OpenBLAS thread (issue 13),
# which OpenBLAS reads only when numpy is first imported (imported first, the bench ran OpenBLAS's
# default threads: 10x slower (n, 3) x (3, 3) products on the shared 2-core machine, issue 17)
import planner  # noqa: E402, F401

import numpy as np  # noqa: E402

from planner.ablation.devices import load_library  # noqa: E402
from planner.analysis.corridor import check_corridor  # noqa: E402
from planner.anatomy.canal import segment_canal  # noqa: E402
from planner.anatomy.levels import detect_level  # noqa: E402
from planner.anatomy.sectors import sector_map  # noqa: E402
from planner.core.resources import sample_dir  # noqa: E402
from planner.imaging import load_path  # noqa: E402
from planner.planning.access import NEEDLE_OUTER_MM, SEARCH_CORRIDOR  # noqa: E402
from planner.planning.ctv import build_ctv  # noqa: E402
from planner.planning.ctv_own import restrict_to_own_arch  # noqa: E402
from planner.planning.propose import propose  # noqa: E402
from planner.planning.recheck import CorridorInputs  # noqa: E402
from planner.analysis.corridor import CorridorParams  # noqa: E402
from planner.analysis.marrow import params_for_vertebra  # noqa: E402
from planner.anatomy.body import segment_body  # noqa: E402
from planner.planning.reach import Protocol, reachability  # noqa: E402

DEVICE = "generic-mw-2450-1.6"


CPU: dict = {}  # label -> median CPU time (time.process_time) of the last _median call with that label


def _cold():
    """Forget the canal maps kept between calls (planner.planning.map_cache): the figures are a first call's."""
    try:
        from planner.planning import map_cache
    except ImportError:  # a branch without the cache
        return
    map_cache.clear()


def _median(fn, n=3, label=None, before=_cold):
    """(median wall time, last result); the median CPU time (the machine may be shared) goes to CPU[label]."""
    times, cpus = [], []
    for _ in range(n):
        if before is not None:
            before()
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    if label:
        CPU[label] = statistics.median(cpus)
    return statistics.median(times), out


def run_case(name, volume, level, gtv, canal):
    sm = sector_map(volume, level, canal, extra_mask=gtv)
    ctv, _ = build_ctv(restrict_to_own_arch(volume, sm, canal).labels, gtv)  # as ctv_case
    device = load_library().get(DEVICE)
    # the search reads what the app's session gives it (planner.session.proposal_inputs): the
    # marrow-adapted threshold, the body mask and the vertebra
    corridor = CorridorInputs(params_for_vertebra(CorridorParams(), volume, level), segment_body(volume), level)
    t_reach, r = _median(lambda: reachability(volume, sm, ctv, canal, device, Protocol(DEVICE, 20.0, 120.0, 15.0),
                                              lesion_mask=gtv, corridor=corridor), 2, "reach")
    line = next(x for side in r.lines.values() for x in side if len(x.tip_depths_mm))
    tip = line.tip(float(line.tip_depths_mm[-1]))
    t_full, _ = _median(lambda: check_corridor(volume, line.entry_lps, tip, NEEDLE_OUTER_MM, side=line.side,
                                               axes=sm.frame.level.axes, canal_mask=canal), 3, "full")
    t_search, _ = _median(lambda: check_corridor(volume, line.entry_lps, tip, NEEDLE_OUTER_MM, side=line.side,
                                                 axes=sm.frame.level.axes, canal_mask=canal,
                                                 params=SEARCH_CORRIDOR), 3, "search")
    calls = _count_full_checks()
    t_prop, prop = _median(lambda: propose(volume, sm, ctv, gtv, canal, device, corridor=corridor), 1, "prop")
    n_full = calls[0]  # the first proposal's
    t_warm, _ = _median(lambda: propose(volume, sm, ctv, gtv, canal, device, corridor=corridor), 1, "warm",
                        before=None)  # again, with what the first call kept
    print(f"{name}: CTV {ctv.sum() * np.prod(volume.spacing_mm) / 1000:.1f} mL, "
          f"{sum(len(v) for v in r.lines.values())} lines")
    print(f"  one corridor check: full {t_full * 1000:.0f} ms, search params {t_search * 1000:.0f} ms "
          f"(CPU {CPU['full'] * 1000:.0f} / {CPU['search'] * 1000:.0f} ms)")
    print(f"  reachability map:  {t_reach:.2f} s (target <= 5 s) = {t_reach / t_full:.0f} full checks "
          f"= {t_reach / t_search:.0f} search checks; unreachable {r.unreachable_ml:.1f} mL")
    print(f"                     CPU {CPU['reach']:.2f} s = {CPU['reach'] / CPU['full']:.0f} full checks (CPU)")
    print(f"  proposal:          {t_prop:.2f} s (target <= 10 s) = {t_prop / t_full:.0f} full checks "
          f"= {t_prop / t_search:.0f} search checks; {len(prop.options)} options, best CTV coverage "
          f"{prop.options[0].ctv_coverage_pct:.0f}%; {n_full} full corridor checks of proposed needles")
    print(f"                     CPU {CPU['prop']:.2f} s = {CPU['prop'] / CPU['full']:.0f} full checks (CPU)")
    print(f"  proposal again:    {t_warm:.2f} s, CPU {CPU['warm']:.2f} s (the canal maps kept from the first call)")
    print(f"  reach map sha256 {hashlib.sha256(np.ascontiguousarray(r.map).tobytes()).hexdigest()[:16]}")
    for o in prop.options:  # what must not change when the search is made faster (issue 17)
        print(f"  option {o.rank} {o.approach}: CTV {o.ctv_coverage_pct:.3f} %, target {o.target_coverage_pct:.3f} %, "
              f"canal {o.min_canal_distance_mm:.3f} mm, grade {o.max_breach_grade}")
        for n in o.needles:
            print(f"    {n.side} entry {np.round(n.entry_lps, 3).tolist()} tip {np.round(n.tip_lps, 3).tolist()} "
                  f"ext {n.extension_mm:g} {n.power_w:g} W {n.time_s:g} s grade {n.max_breach_grade}")


def _count_full_checks() -> list:
    """Counts the full corridor checks the proposal's re-check runs (planner.planning.recheck)."""
    import planner.planning.recheck as recheck

    calls = [0]
    real = getattr(recheck.check_corridor, "__wrapped__", recheck.check_corridor)

    def counted(*a, **k):
        calls[0] += 1
        return real(*a, **k)

    counted.__wrapped__ = real
    recheck.check_corridor = counted
    return calls


def main(argv=None) -> int:
    import SimpleITK as sitk

    ap = argparse.ArgumentParser(description="Speed of the reachability map and of a proposal (issue 17).")
    ap.add_argument("--case", choices=("all", "sample", "tcia"), default="all", help="which case to run")
    args = ap.parse_args(argv)

    volume = load_path(sample_dir() / "series")
    labels = sitk.GetArrayFromImage(sitk.ReadImage(str(sample_dir() / "ground_truth" / "labels.nii.gz")))
    lm = json.loads((sample_dir() / "ground_truth" / "landmarks.json").read_text())
    canal = segment_canal(volume).mask
    if args.case != "tcia":
        run_case("sample L2", volume, detect_level(volume, lm["vertebrae"]["L2"]["body_centre_lps"], "L2"),
                 labels == 10, canal)
    real = Path(__file__).resolve().parents[2] / "shared" / "data" / "ct-lumbar-tcia" / "dicom"
    if real.exists() and args.case != "sample":
        from planner.geometry.raster import VoxelGrid, paste, rasterise
        from planner.geometry.shapes import Ellipsoid

        v = load_path(real)
        c = v.to_lps(np.array((258, 272, 57), float))
        local, box = rasterise(VoxelGrid.of(v), Ellipsoid.sphere(c, 7.5))
        run_case("TCIA L2, 15 mm sphere", v, detect_level(v, c, "L2"), paste(v.hu.shape, local, box),
                 segment_canal(v).mask)
    return 0


if __name__ == "__main__":
    sys.exit(main())
