"""Every vertebral body in a scan, found automatically, then named by counting from landmarks.

Steps (the naming is in :mod:`planner.anatomy.spine_names`):

1. **Seeds** on a coarse grid (about ``coarse_mm``): bone (above ``bone_hu``) inside the body mask,
   holes filled in each axial slice, eroded by a square of half-side ``core_mm`` (8 mm): a vertebral
   body (width 40-50 mm, depth 30-35 mm, DOMAIN.md) keeps a core; ribs, processes, the cortex of the
   pelvis and a contrast-filled aorta (about 25 mm) do not. In each slice the core nearest the body's
   left-right middle (within ``max_offcentre_mm``), most posterior first (the spine lies behind the
   heart and the great vessels), is the slice's candidate; candidates off the median track (over
   +-``track_window_mm``) by more than ``track_tol_mm`` are dropped.
2. **Bodies**: :func:`planner.anatomy.levels.detect_level` at the candidate nearest the middle of
   the track, then :func:`planner.anatomy.levels.propose_neighbours` up and down across the discs.
   Where the walk stops before the end of the track, it starts again from the next candidate beyond
   the last body found (at most ``restarts`` times each way). The walk toward the head runs in a
   second thread beside the walk toward the feet (:func:`walk_both_ways`: the same bodies as one
   after the other).
3. Bodies are ordered from feet to head along the spine; duplicates (centres closer than half a body
   height) are merged.

The result says in words what was found; a scan with no spine or too few bodies to count is not an
error: planning goes on with levels set by hand.

``cancel`` (:data:`planner.core.progress.Cancel`, issue 19) is checked before every body search (each
seed tried, each step of a walk across a disc, each restart and gap seed): once it answers True,
:class:`~planner.core.progress.JobCancelled` is raised at the next one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np

from planner.anatomy.morphology import fill_holes_in_plane
from planner.anatomy.spine_centroids import label_centres as _label_centres, mask_centroid as _mask_centroid
from planner.anatomy.window_filters import square_filter
from planner.core.frames import kji_to_ijk, spacing_kji as spacing_in_array_order
from planner.core.lazy import lazy_module
from planner.anatomy.body import BodyMask, head_foot_axis, segment_body
from planner.anatomy.canonical import canonical_layout
from planner.anatomy.levels import (LevelGeometry, LevelParams, detect_level, plausible_neighbour,
                                    propose_neighbours)
from planner.anatomy.spine_edges import with_cut_note
from planner.anatomy.spine_names import SpineResult, name_vertebrae
from planner.core.errors import PlannerError
from planner.core.progress import Cancel, check_cancel
from planner.core.volume import ImageVolume

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

_PLACEHOLDER = "L3"  # detect_level needs a valid name; automatic bodies are named afterwards
_WHAT = "the automatic search for the vertebrae"

__all__ = ["SpineParams", "SpineResult", "find_vertebrae", "find_spine"]



@dataclass(frozen=True)
class SpineParams:
    """Tuning of the automatic spine search (see the module docstring)."""

    bone_hu: float = 150.0
    coarse_mm: float = 3.0
    coarse_slice_mm: float = 4.0
    core_mm: float = 8.0
    max_offcentre_mm: float = 60.0
    track_window_mm: float = 40.0
    track_tol_mm: float = 15.0
    max_walk: int = 30
    restarts: int = 1
    min_height_mm: float = 12.0
    max_height_mm: float = 34.0
    #: 1.5 mm grid and two passes: twice as fast as the one-click tool; the L2 centre of the shared
    #: lumbar scan moves by 0.4 mm (measured while writing this module). Where the standard pass finds
    #: no body, the cortex-bounded body of low-density marrow is tried (planner/anatomy/levels_marrow.py).
    level_params: LevelParams = field(default_factory=lambda: LevelParams(max_passes=2, step_mm=1.5,
                                                                          marrow_fallback=True))


def _square_erode(mask: np.ndarray, radius_px: int) -> np.ndarray:
    """In-plane erosion by a (2r+1)^2 square: scipy's 1-D minimum filters (mode "reflect"), the same
    mask from running ANDs (planner/anatomy/window_filters.py)."""
    return square_filter(mask, radius_px, grow=False)


def seed_track(volume: ImageVolume, body: BodyMask, p: SpineParams) -> np.ndarray:
    """Candidate points (n, 3) in LPS mm inside vertebral bodies, from feet to head (step 1)."""
    axis = head_foot_axis(volume.direction)
    order = (axis,) + tuple(a for a in (0, 1, 2) if a != axis)
    spacing_kji = spacing_in_array_order(volume.spacing_mm)[list(order)]
    f = tuple(max(int(round(c / s)), 1) for c, s in zip((p.coarse_slice_mm, p.coarse_mm, p.coarse_mm), spacing_kji))
    hu = np.transpose(volume.hu, order)[::f[0], ::f[1], ::f[2]]
    bone = hu > p.bone_hu
    kji = np.empty((int(bone.sum()), 3), int)
    kji[:, list(order)] = np.argwhere(bone) * np.array(f)
    bone[bone] = body.contains(volume.to_lps(kji_to_ijk(kji).astype(float)))  # bone inside the body only
    in_plane = np.zeros((3, 3, 3), bool)
    in_plane[1] = ndimage.generate_binary_structure(2, 1)
    solid = fill_holes_in_plane(bone, in_plane)
    step = spacing_kji * np.array(f)
    core = _square_erode(solid, int(round(p.core_mm / min(step[1], step[2]))))
    labels, n = ndimage.label(core, structure=in_plane)
    if n == 0:
        return np.zeros((0, 3))
    idx = _label_centres(core, labels, n)  # (n, 3) coarse, order
    full_idx = idx * np.array(f)
    kji = np.empty_like(full_idx)
    kji[:, list(order)] = full_idx
    lps = volume.to_lps(kji_to_ijk(kji))
    mid_x = _body_mid_x(volume, body, lps[:, 2])
    ok = np.abs(lps[:, 0] - mid_x) <= p.max_offcentre_mm
    lps, slices = lps[ok], idx[ok, 0]
    picked = []
    for s in np.unique(slices):  # one candidate per slice: the most posterior (LPS +y)
        here = np.nonzero(slices == s)[0]
        picked.append(here[np.argmax(lps[here, 1])])
    track = lps[np.array(picked, dtype=int)] if picked else np.zeros((0, 3))
    track = track[np.argsort(track[:, 2])]
    return _robust(track, p)


def _body_mid_x(volume: ImageVolume, body: BodyMask, z_mm: np.ndarray) -> float:
    """The body's left-right middle (LPS x, mm), from the mask's centroid."""
    if not body.coarse.any():
        return 0.0
    kji = np.empty(3)
    kji[list(body.order)] = _mask_centroid(body.coarse) * np.array(body.factors)
    return float(body.volume.to_lps(kji_to_ijk(kji))[0])  # the mask's own grid (it may be another layout)


def _robust(track: np.ndarray, p: SpineParams) -> np.ndarray:
    """Drop candidates further than ``track_tol_mm`` (in x, y) from the running median track."""
    if len(track) < 3:
        return track
    keep = np.ones(len(track), bool)
    for n in range(len(track)):
        near = np.abs(track[:, 2] - track[n, 2]) <= p.track_window_mm
        med = np.median(track[near, :2], axis=0)
        keep[n] = np.linalg.norm(track[n, :2] - med) <= p.track_tol_mm
    return track[keep]


def _along(v: LevelGeometry, axis_lps: np.ndarray) -> float:
    return float(np.dot(v.body_centre_lps, axis_lps))


def _merge(found: list[LevelGeometry]) -> list[LevelGeometry]:
    """Feet-to-head order along LPS z; a body closer than half a height to the previous one is the
    same body (the one with the better symmetry is kept)."""
    out: list[LevelGeometry] = []
    for v in sorted(found, key=lambda g: g.body_centre_lps[2]):
        if out and np.linalg.norm(np.subtract(v.body_centre_lps, out[-1].body_centre_lps)) < 0.5 * max(
                out[-1].height_mm, 10.0):
            if v.symmetry_score > out[-1].symmetry_score:
                out[-1] = v
            continue
        out.append(v)
    return out


def _try(volume: ImageVolume, seed, p: SpineParams, cancel: Cancel | None = None) -> LevelGeometry | None:
    """A body at ``seed``, or None when none is found or it does not look like one vertebral body
    (whole, ``min_height_mm``-``max_height_mm`` high, a disc seen above or below: two bodies merged
    across a thin disc are refused)."""
    check_cancel(cancel, _WHAT)
    try:
        g = detect_level(volume, seed, _PLACEHOLDER, p.level_params)
    except PlannerError:
        return None
    if not g.complete or not p.min_height_mm <= g.height_mm <= p.max_height_mm:
        return None
    if g.next_above_mm is None and g.next_below_mm is None:
        return None
    return g


def _walk(volume: ImageVolume, start: LevelGeometry, up: int, down: int, p: SpineParams,
          cancel: Cancel | None = None) -> list[LevelGeometry]:
    """Bodies found by walking across the discs; names are ignored (the walk counts from L3, so it can
    go at most 14 up and 3 down: it is restarted from the far end to go further)."""
    return propose_neighbours(volume, start, count_up=up, count_down=down, params=p.level_params, cancel=cancel)


def find_vertebrae(volume: ImageVolume, body: BodyMask | None = None,
                   params: SpineParams | None = None, cancel: Cancel | None = None) -> list[LevelGeometry]:
    """Every vertebral body found (steps 1-3), from feet to head, with the placeholder name."""
    p = params or SpineParams()
    body = body if body is not None else segment_body(volume)
    check_cancel(cancel, _WHAT)
    _pool().submit(_warm_up, volume.hu.dtype)  # numba's import and set-up beside the seed track (not awaited:
    track = seed_track(volume, body, p)          # the first body's search waits for the kernels it uses)
    if len(track) == 0:
        return []
    mid = track[len(track) // 2]
    order = np.argsort(np.abs(track[:, 2] - mid[2]))
    first = None
    for n in order[:12]:
        first = _try(volume, track[n], p, cancel)
        if first is not None:
            break
    if first is None:
        return []
    return _fill_gaps(volume, _merge(walk_both_ways(volume, track, first, p, cancel)), p, cancel)


def _walk_one_way(volume: ImageVolume, track: np.ndarray, first: LevelGeometry, direction: int,
                  found: list[LevelGeometry], p: SpineParams,
                  cancel: Cancel | None = None) -> tuple[list[LevelGeometry], list[LevelGeometry]]:
    """Bodies beyond ``first`` toward the head (+1) or the feet (-1): chains across the discs, each
    restarted from the seed track (at most ``restarts`` times). ``found`` holds the bodies found before
    (the walk stops when a restart lands on one of them). Returns (the bodies in the order found, the
    bodies that restarts found)."""
    found = list(found)
    start = len(found)
    restarts = []
    end = first
    for _ in range(p.restarts + 1):
        more = _chain(volume, end, direction, p, cancel)
        found += more
        if more:
            end = more[-1]
        if direction < 0 and end.disc_above_mm is not None and end.next_below_mm is None:
            break  # a disc above, none below: S1 on the fused sacrum (levels_sacrum.py), no body below it
        restarted = _restart(volume, track, end, direction, found, p, cancel)
        if restarted is None:
            break
        found.append(restarted)
        restarts.append(restarted)
        end = restarted
    return found[start:], restarts


def walk_both_ways(volume: ImageVolume, track: np.ndarray, first: LevelGeometry, p: SpineParams,
                   cancel: Cancel | None = None) -> list[LevelGeometry]:
    """``[first]``, the bodies toward the head, then those toward the feet: the two walks run at the
    same time (two threads: the compiled samplers, numpy and scipy.ndimage release the GIL), each
    about half of the search. Written one after the other, the walk to the feet would also stop at a
    body of the walk to the head; the walks start on opposite sides of ``first``, so that never
    happens on a spine, but it is checked: when a restart toward the feet found a body within 10 mm
    of one toward the head, that walk is done again knowing them, as one after the other would."""
    up_future = _pool().submit(_walk_one_way, volume, track, first, +1, [first], p, cancel)
    try:
        down, down_restarts = _walk_one_way(volume, track, first, -1, [first], p, cancel)
    finally:
        up, _ = up_future.result()
    if any(np.linalg.norm(np.subtract(g.body_centre_lps, u.body_centre_lps)) < 10.0
           for g in down_restarts for u in up):
        down, _ = _walk_one_way(volume, track, first, -1, [first] + up, p, cancel)
    return [first] + up + down


_POOL = []
_POOL_LOCK = threading.Lock()


def _warm_up(dtype) -> None:
    from planner.anatomy import gauss_kernel, hull2d, resample_kernel, slice_edt, sweep_kernel

    resample_kernel.warm_up(dtype)
    gauss_kernel.warm_up()
    sweep_kernel.warm_up(dtype)
    slice_edt.warm_up()
    hull2d.warm_up()


def _pool():
    """One worker thread (the compiled kernels' warm-up, the walk toward the head), made on first use
    and kept."""
    with _POOL_LOCK:
        if not _POOL:
            from concurrent.futures import ThreadPoolExecutor

            _POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="spine-walk"))
        return _POOL[0]


def _fill_gaps(volume: ImageVolume, bodies: list[LevelGeometry], p: SpineParams,
               cancel: Cancel | None = None) -> list[LevelGeometry]:
    """Look again between two found bodies that lie much further apart than the others (the same 1.6x
    median step that :func:`planner.anatomy.spine_names.name_vertebrae` calls a broken chain): seeds
    evenly spaced on the line between their centres, one per missing step. A body found there is
    added; the gap stays (and the count is refused) when none is."""
    if len(bodies) < 3:
        return bodies
    centres = np.array([g.body_centre_lps for g in bodies])
    steps = np.linalg.norm(np.diff(centres, axis=0), axis=1)
    med = float(np.median(steps))
    added = []
    for n, step in enumerate(steps):
        if step <= 1.6 * med:
            continue
        missing = max(int(round(step / med)) - 1, 1)
        for m in range(1, missing + 1):
            seed = centres[n] + (centres[n + 1] - centres[n]) * m / (missing + 1)
            g = _try(volume, seed, p, cancel)
            if g is not None and all(np.linalg.norm(np.subtract(g.body_centre_lps, c)) >= 10.0
                                     for c in list(centres) + [a.body_centre_lps for a in added]):
                added.append(g)
    return _merge(bodies + added) if added else bodies


def _chain(volume: ImageVolume, start: LevelGeometry, direction: int, p: SpineParams,
           cancel: Cancel | None = None) -> list[LevelGeometry]:
    """Walk from ``start`` toward the head (+1) or the feet (-1) as far as it goes, renaming the start
    so that the name count never ends the walk (T1 above, S1 below)."""
    name = "S1" if direction > 0 else "T1"
    reach = 17 if direction > 0 else 17
    walked = _walk(volume, replace(start, name=name), reach if direction > 0 else 0,
                   reach if direction < 0 else 0, p, cancel)
    walked = sorted(walked, key=lambda g: direction * g.body_centre_lps[2])
    out = []
    for g in walked:  # the walk ends at the first body that does not look like one
        if not p.min_height_mm <= g.height_mm <= p.max_height_mm:
            break
        out.append(replace(g, name=_PLACEHOLDER))
    return out


def _restart_seeds(track: np.ndarray, end: LevelGeometry, direction: int, tries: int = 4) -> list[np.ndarray]:
    """Track candidates beyond ``end``'s far endplate plus 8 mm (a disc), nearest first, at least 5 mm
    apart along the spine, each moved 6 mm further on (into the body rather than onto its endplate)."""
    plate = np.asarray(end.top_endplate_lps if direction > 0 else end.bottom_endplate_lps)
    beyond = direction * (track[:, 2] - plate[2]) > 8.0
    cand = track[beyond]
    cand = cand[np.argsort(np.abs(cand[:, 2] - plate[2]))]
    seeds: list[np.ndarray] = []
    for c in cand:
        if all(abs(c[2] - s[2]) >= 5.0 for s in seeds):
            seeds.append(c)
        if len(seeds) == tries:
            break
    return [s + np.array([0.0, 0.0, direction * 6.0]) for s in seeds]


def _restart(volume: ImageVolume, track: np.ndarray, end: LevelGeometry, direction: int, found, p: SpineParams,
             cancel: Cancel | None = None):
    """The next body beyond ``end`` from the seed track, or None. Several candidates are tried, nearest
    first: the track keeps one point per coarse slice, and which point (body or posterior arch) that is
    depends on where the coarse grid samples, i.e. on the scan's array order; one try made the found
    bodies depend on the layout (tests/anatomy/test_orientations.py, a lateral layout lost S1 and L5).

    Every candidate is tried: skipping those between the endplates of a body another candidate found and
    refused (a speed-up tried in issue 13) lost S1 of the shared lumbar scan once body centres were taken
    between the endplates (tests/anatomy/test_body_centres.py)."""
    for seed in _restart_seeds(track, end, direction):
        g = _try(volume, seed, p, cancel)
        if g is None or not plausible_neighbour(end, g):  # a disc with the rib heads beside it (levels.py)
            continue
        if any(np.linalg.norm(np.subtract(g.body_centre_lps, f.body_centre_lps)) < 10.0 for f in found):
            return None  # the walk is back on a body it has: nothing beyond
        return g
    return None


def find_spine(volume: ImageVolume, body: BodyMask | None = None, params: SpineParams | None = None,
               cancel: Cancel | None = None) -> SpineResult:
    """Find every vertebral body and name them where the landmarks allow (never raises for a scan
    without a spine: the result's message says what is missing; raises
    :class:`~planner.core.progress.JobCancelled` once ``cancel`` answers True). The search runs on the
    voxels in the patient's own axis order (:func:`planner.anatomy.canonical.canonical_layout`), so a
    prone, feet-first or lateral layout of the same voxels gives the same vertebrae."""
    check_cancel(cancel, _WHAT)
    volume = canonical_layout(volume)
    try:
        body = body if body is not None else segment_body(volume)
    except PlannerError as exc:
        return SpineResult((), False, f"No spine was found: {exc} Set the levels by hand.")
    vertebrae = find_vertebrae(volume, body, params, cancel)
    check_cancel(cancel, _WHAT)
    result = name_vertebrae(volume, body, vertebrae)
    coverage_mm = _coverage_mm(volume)
    if not result.named and coverage_mm < MIN_COVERAGE_MM:
        n = len(result.vertebrae)
        found = (f"{n} vertebral bod{'y was' if n == 1 else 'ies were'} found, but {coverage_mm:.0f} mm is "
                 if n else "")
        result = replace(result, message=f"The scan covers only {coverage_mm:.0f} mm along the spine: {found}too "
                         f"short to count vertebrae from the sacrum or the last rib (about {MIN_COVERAGE_MM:.0f} mm, "
                         "three bodies and their discs, are needed). The levels are not named; set them by hand.")
    return with_cut_note(volume, result, (params or SpineParams()).min_height_mm)  # planner/anatomy/spine_edges.py


#: Three vertebral bodies with their discs (bodies 25-28 mm, discs 10-12 mm high; DOMAIN.md).
MIN_COVERAGE_MM = 110.0


def _coverage_mm(volume: ImageVolume) -> float:
    lo, hi = volume.bounds_lps
    return float(hi[2] - lo[2])
