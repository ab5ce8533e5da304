"""Speed of the canal segmentation and of a full safety re-analysis on a 512 x 512 x 600 volume.

Run: python benchmarks/bench_analysis.py

Volume: the real TCIA lumbar CT (../shared/data/ct-lumbar-tcia, 512 x 512 x 134 at 3 mm) resampled
along z to 600 slices (linear interpolation), or, when the real data is absent, the bundled
synthetic sample tiled to the same size. Targets: segmentation <= 3 s; re-analysis of a plan with
two antennas and two thermocouples with a precomputed canal <= 20 ms median. Each figure is printed
with a reference measured in the same run:
- segmentation vs. one in-plane hole labelling of the whole volume (the naive first step);
- analysis vs. the same overlap computed by brute force on the full grid (every voxel tested against
  every zone, no canal preparation). Issue 15: testing all 157 million voxels took 100-400 s here, so the
  brute force is run on every whole slice (512 x 512 voxels) that the zones can reach, which gives the
  overlap in mL exactly (a voxel on any other slice lies outside every zone's bounding slab: the closed-form
  support of an ellipsoid, not the planner's box code), and its time is scaled to the full grid by the
  voxel count (the brute force's cost is the same per voxel wherever it is: one affine map and one
  quadratic form per zone). The printed figure says how many slices were measured.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import planner  # noqa: E402,F401  - first: its BLAS thread setting applies before numpy loads (as in the app)
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from planner.ablation.devices import load_library  # noqa: E402
from planner.ablation.zones import planned_zone  # noqa: E402
from planner.analysis.analyze import analyze  # noqa: E402
from planner.analysis.overlap import LocalMask, PreparedCanal  # noqa: E402
from planner.anatomy.canal import segment_canal  # noqa: E402
from planner.anatomy.canal_slices import IN_PLANE_4  # noqa: E402
from planner.anatomy.foramina import find_foramina  # noqa: E402
from planner.core.resources import sample_series_dir, shared_data_dir  # noqa: E402
from planner.core.volume import ImageVolume  # noqa: E402
from planner.geometry.raster import VoxelGrid, rasterise  # noqa: E402
from planner.geometry.shapes import Ellipsoid  # noqa: E402

N_SLICES = 600


def _load(folder: Path) -> ImageVolume:
    import SimpleITK as sitk

    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    img = reader.Execute()
    return ImageVolume(sitk.GetArrayFromImage(img).astype(np.int16), img.GetSpacing(), img.GetOrigin(),
                       np.array(img.GetDirection()).reshape(3, 3))


def big_volume() -> tuple[ImageVolume, str]:
    root = shared_data_dir()
    if root is not None and (root / "ct-lumbar-tcia" / "dicom").is_dir():
        vol = _load(root / "ct-lumbar-tcia" / "dicom")
        what = "TCIA lumbar CT resampled to 600 slices"
    else:
        vol = _load(sample_series_dir())
        vol = ImageVolume(np.ascontiguousarray(np.repeat(np.repeat(vol.hu, 2, axis=1), 2, axis=2)),
                          (vol.spacing_mm[0] / 2, vol.spacing_mm[1] / 2, vol.spacing_mm[2]), vol.origin_lps,
                          vol.direction)
        what = "synthetic sample, in-plane x2, resampled to 600 slices"
    n = vol.hu.shape[0]
    z = np.linspace(0, n - 1, N_SLICES)
    lo = np.floor(z).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    f = (z - lo)[:, None, None]
    hu = np.rint(vol.hu[lo] * (1 - f) + vol.hu[hi] * f).astype(np.int16)
    sk = vol.spacing_mm[2] * (n - 1) / (N_SLICES - 1)
    return ImageVolume(hu, (vol.spacing_mm[0], vol.spacing_mm[1], sk), vol.origin_lps, vol.direction), what


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def plan_near_canal(vol: ImageVolume, seg):
    """Two antennas (bipedicular, 40 W / 240 s and 30 W / 300 s) converging in front of the canal,
    two thermocouples beside it, a 12 mm target between the tips."""
    mw = load_library().get("generic-mw-2450-1.6")
    mid = len(seg.centreline_lps) // 2
    c = seg.centreline_lps[mid]
    ant = np.array([0.0, -1.0, 0.0])  # toward the patient's anterior
    body = c + 28.0 * ant
    zones = []
    for side, (p, t) in zip((-1, 1), ((40, 240), (30, 300))):
        entry = body + np.array([side * 45.0, 70.0, 0.0])
        tip = body + np.array([side * 6.0, 0.0, 0.0])
        d = (tip - entry) / np.linalg.norm(tip - entry)
        zones.append(planned_zone(tip, d, mw, p, t, item_id=f"antenna-{side}"))
    tcs = {"tc-left": c + np.array([9.0, -6.0, 0.0]), "tc-right": c + np.array([-9.0, -6.0, 0.0])}
    grid = VoxelGrid.of(vol)
    target = LocalMask(*rasterise(grid, Ellipsoid.sphere(body, 12.0)))
    return zones, tcs, target


def zones_k_range(grid: VoxelGrid, zones) -> tuple[int, int]:
    """Slices [k0, k1) that hold every voxel centre inside any zone, from each ellipsoid's support
    function: k is affine in LPS (k = g . x + k(0)), so over an ellipsoid with centre c, unit axes u_n
    and semi-axes a_n it spans k(c) +/- sqrt(sum_n (a_n g . u_n)^2). Widened by one slice each side."""
    c0 = np.zeros(3)
    g = grid.to_ijk(np.eye(3))[:, 2] - grid.to_ijk(c0[None, :])[0, 2]  # dk / d(x, y, z)
    lo, hi = np.inf, -np.inf
    for z in zones:
        ell = getattr(z, "ellipsoid", z)
        kc = float(grid.to_ijk(ell.centre_lps[None, :])[0, 2])
        half = float(np.sqrt(np.sum((ell.semi_axes_mm * (ell.axes @ g)) ** 2)))
        lo, hi = min(lo, kc - half), max(hi, kc + half)
    nk = grid.shape_kji[0]
    return max(0, int(np.floor(lo)) - 1), min(nk, int(np.ceil(hi)) + 2)


def full_grid_overlap_ml(grid: VoxelGrid, zones, canal_mask: np.ndarray, chunk: int = 16):
    """Reference: every voxel of every slice the zones reach tested against every zone, slab by slab.
    Returns (overlap mL, seconds measured, seconds scaled to the whole grid, slices measured)."""
    k0, k1 = zones_k_range(grid, zones)
    count = 0
    t0 = time.perf_counter()
    for ka in range(k0, k1, chunk):
        box = (slice(ka, min(k1, ka + chunk)), slice(0, grid.shape_kji[1]), slice(0, grid.shape_kji[2]))
        pts = grid.box_points_lps(box)
        inside = np.zeros(len(pts), bool)
        for z in zones:
            inside |= z.contains(pts)
        count += int((inside.reshape(canal_mask[box].shape) & canal_mask[box]).sum())
    measured = time.perf_counter() - t0
    return (count * grid.voxel_volume_mm3 / 1000.0, measured, measured * grid.shape_kji[0] / max(k1 - k0, 1),
            k1 - k0)


def main() -> None:
    vol, what = big_volume()
    print(f"volume: {what}: {vol.hu.shape[::-1]} voxels (i, j, k), spacing {tuple(round(s, 3) for s in vol.spacing_mm)} mm")
    t_seg, seg = timed(lambda: segment_canal(vol), 3)
    t_ref, _ = timed(lambda: ndimage.label(vol.hu < 180, structure=IN_PLANE_4), 1)
    print(f"canal segmentation: {t_seg:.2f} s median of 3 (target <= 3 s); "
          f"closed-ring slices {seg.closed_slices}, interpolated {seg.interpolated_slices}")
    print(f"  reference, one in-plane labelling of the whole volume: {t_ref:.2f} s "
          f"(segmentation / reference = {t_seg / t_ref:.2f})")
    t_for, foramina = timed(lambda: find_foramina(vol, seg.mask), 3)
    t_lab, _ = timed(lambda: ndimage.label(vol.hu > 180), 1)
    print(f"foramina: {t_for:.2f} s median of 3, {len(foramina)} found; canal + foramina {t_seg + t_for:.2f} s; "
          f"one 3-D scipy.ndimage.label of the volume {t_lab:.2f} s (canal + foramina / label = "
          f"{(t_seg + t_for) / t_lab:.2f})")
    grid = VoxelGrid.of(vol)
    t_prep, canal = timed(lambda: PreparedCanal.build(grid, seg.mask, vol.hu), 1)
    print(f"prepare canal once (boundary voxels + sub-voxel band from the HU): {t_prep * 1000:.0f} ms")
    zones, tcs, target = plan_near_canal(vol, seg)
    analyze(grid, canal, zones, target, tcs)  # warm-up
    t_an, res = timed(lambda: analyze(grid, canal, zones, target, tcs), 30)
    print(f"re-analysis, 2 antennas + 2 thermocouples + target: {t_an * 1000:.1f} ms median of 30 (target <= 20 ms)")
    print(f"  canal overlap {res.canal_overlap_ml:.3f} mL, signed distance {res.canal_signed_distance_mm:.2f} mm, "
          f"coverage {res.coverage_percent:.1f}%, margin {res.min_margin_mm:.1f} mm, "
          f"thermocouples {[round(t.predicted_temperature_c, 1) for t in res.thermocouples]} C, "
          f"worst finding {res.severity.value}")
    full_ml, t_meas, t_full, n_meas = full_grid_overlap_ml(grid, zones, seg.mask)
    print(f"  reference, brute-force overlap on the full grid: {full_ml:.3f} mL; {t_meas:.1f} s on the "
          f"{n_meas} of {grid.shape_kji[0]} slices the zones reach, scaled to the whole grid {t_full:.0f} s "
          f"(full / local = {t_full / t_an:.0f}x)")


if __name__ == "__main__":
    main()
