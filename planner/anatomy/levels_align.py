"""A first guess of a vertebra's cranio-caudal axis, before the body is segmented in 3-D.

Lumbar lordosis and the lumbosacral angle tilt the bodies and discs by 10-30 degrees against the scan's
axial plane; axial slices then cut the discs obliquely and a disc no longer shows as a low-density
slice. So the first pass runs in a frame tilted like the spine. The body's section in the clicked
slice (its footprint, as in :mod:`planner.anatomy.levels_body`) gives a core of points well inside the
body; for a candidate axis the core is swept along it (+-30 mm: the body and both discs). The right
axis makes every swept section lie wholly in a body or wholly in a disc, so it maximises the
variance of the mean along the axis over the mean variance within the sections (an F ratio; a
section that leaves the spine raises the within-section variance, so wrong steep tilts lose).
The sagittal tilt is searched first (+-36 degrees every 3), then the coronal one (+-24), each refined
with a parabola.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module
from planner.anatomy.gauss_kernel import gaussian_filter_f32  # = scipy's gaussian_filter, compiled
from planner.anatomy.levels_body import LevelParams, footprint_at_seed
from planner.anatomy.levels_grid import LocalGrid, close_slices, holes_in_slices, resample, small_parts
from planner.anatomy.sweep_kernel import swept_hu
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

_SECTION_HALF_MM = 40.0
_ALONG_HALF_MM = 30.0
_ALONG_STEP_MM = 1.5
_CORE_STEP_MM = 2.0
_CORE_MARGIN_MM = 3.0


def _frame(tilt_u_deg: float, tilt_v_deg: float) -> np.ndarray:
    """Rows (left, posterior, head) of a frame whose head axis leans by the two tilts."""
    head = np.array([np.tan(np.deg2rad(tilt_u_deg)), np.tan(np.deg2rad(tilt_v_deg)), 1.0])
    head /= np.linalg.norm(head)
    left = np.array([1.0, 0.0, 0.0]) - head[0] * head
    left /= np.linalg.norm(left)
    return np.array([left, np.cross(head, left), head])


def _parabola_offset(y_minus: float, y0: float, y_plus: float) -> float:
    denom = y_minus - 2.0 * y0 + y_plus
    return 0.0 if denom >= 0.0 else float(np.clip(0.5 * (y_minus - y_plus) / denom, -0.5, 0.5))


def _section_core(volume: ImageVolume, seed_lps, p: LevelParams) -> tuple[np.ndarray, np.ndarray]:
    """Centre (LPS) of the body's section at the seed and its core points (u, v offsets, mm)."""
    s = p.step_mm
    grid = LocalGrid.around(seed_lps, np.eye(3), s, (-_SECTION_HALF_MM, _SECTION_HALF_MM),
                            (-_SECTION_HALF_MM, _SECTION_HALF_MM), (-s, s))
    hu, _ = resample(volume, grid)
    bone = gaussian_filter_f32(hu, p.smooth_sigma_mm / s) > p.bone_hu
    closed = close_slices(bone)
    holes = holes_in_slices(closed)
    base = closed | small_parts(holes, p.small_hole_mm2, s)
    iw0, iv0, iu0 = grid.index_of((0.0, 0.0, 0.0))
    footprint, _ = footprint_at_seed(base[iw0], holes[iw0], (iv0, iu0), p)
    iv, iu = np.nonzero(footprint)
    centre_uv = np.array([grid.u_mm[iu].mean(), grid.v_mm[iv].mean()])
    core = ndimage.distance_transform_edt(footprint, sampling=s) >= _CORE_MARGIN_MM
    every = max(int(round(_CORE_STEP_MM / s)), 1)
    sub = np.zeros_like(core)
    sub[::every, ::every] = True
    iv, iu = np.nonzero(core & sub)
    offsets = np.stack([grid.u_mm[iu], grid.v_mm[iv]], axis=1) - centre_uv
    return grid.to_lps([centre_uv[0], centre_uv[1], 0.0]), offsets


def _f_ratios(volume: ImageVolume, centre_lps: np.ndarray, offsets_uv: np.ndarray, frames) -> np.ndarray:
    """Between-section over within-section variance of HU on the core swept along each frame's
    ``axes[2]``. The HU of all frames are sampled in one call (trilinear, edge values beyond the scan,
    rounded to the CT's integers and clipped to -100..600 HU:
    :func:`~planner.anatomy.sweep_kernel.swept_hu`, scipy's numbers)."""
    along = np.arange(-_ALONG_HALF_MM, _ALONG_HALF_MM + 1e-9, _ALONG_STEP_MM)
    ijk = np.empty((len(frames), along.size, len(offsets_uv), 3))
    to_ijk = volume.lps_to_ijk
    rot, shift = to_ijk[:3, :3], to_ijk[:3, 3]
    a_col, u_row, v_row = along[:, None], offsets_uv[None, :, 0], offsets_uv[None, :, 1]
    for n, axes in enumerate(frames):
        # volume.to_ijk(centre + along axes[2] + u axes[0] + v axes[1]) with the same operations in the
        # same order (planner/core/frames.py rows_times), one LPS coordinate at a time (issue 13 speed)
        x, y, z = (((centre_lps[c] + a_col * axes[2][c]) + u_row * axes[0][c]) + v_row * axes[1][c] for c in range(3))
        for r in range(3):
            col = x * rot[r, 0]
            col += y * rot[r, 1]
            col += z * rot[r, 2]
            col += shift[r]
            ijk[n, :, :, r] = col
    values = swept_hu(volume.hu, ijk.reshape(-1, 3), -100.0, 600.0).reshape(len(frames), along.size, -1)
    out = np.empty(len(frames))
    for n, v in enumerate(values):
        out[n] = float(np.var(v.mean(axis=1)) / (np.mean(np.var(v, axis=1)) + 25.0))
    return out


def _search(scores_of, limit_deg: float, step_deg: float) -> float:
    """The best angle within +-``limit_deg`` (every ``step_deg``, then a parabola); ``scores_of``
    maps an array of angles to their scores."""
    angles = np.arange(-limit_deg, limit_deg + 1e-9, step_deg)
    scores = np.asarray(scores_of(angles), dtype=float)
    k = int(np.argmax(scores))
    best = float(angles[k])
    if 0 < k < angles.size - 1:
        best += step_deg * _parabola_offset(scores[k - 1], scores[k], scores[k + 1])
    return best


def initial_frame(volume: ImageVolume, seed_lps, params: LevelParams | None = None,
                  max_sagittal_deg: float = 36.0, max_coronal_deg: float = 24.0) -> tuple[np.ndarray, np.ndarray]:
    """Centre of the body's section at ``seed_lps`` (LPS) and frame rows (left, posterior, head).

    Raises :class:`~planner.core.errors.PlannerError` when there is no bone body at the seed.
    """
    p = params or LevelParams()
    centre, offsets = _section_core(volume, seed_lps, p)
    if len(offsets) < 10:
        return centre, np.eye(3)
    tilt_v = _search(lambda angles: _f_ratios(volume, centre, offsets, [_frame(0.0, a) for a in angles]),
                     max_sagittal_deg, 3.0)
    tilt_u = _search(lambda angles: _f_ratios(volume, centre, offsets, [_frame(a, tilt_v) for a in angles]),
                     max_coronal_deg, 3.0)
    return centre, _frame(tilt_u, tilt_v)
