"""Neural foramina: one mask per foramen (level and side), found beside the segmented canal.

Anatomy (Gray's Anatomy; DOMAIN.md "Access geometry"): each spinal nerve leaves the canal through
the intervertebral foramen, bounded above and below by the pedicles of two adjacent vertebrae, in
front by the back of the disc and bodies, behind by the facet joint. On axial CT slices beside the
canal this shows as an alternation along the spine on each side: pedicle slices (bone right next to
the canal's lateral edge) and foramen slices (fat, the nerve root and vessels, no bone) in between.

Method, per side, on the canal's slices (axial axis first, like :mod:`planner.anatomy.canal`):

1. a probe beside the canal: from its lateral edge out to ``probe_mm`` laterally, within
   ``band_mm`` of the canal centre's anterior-posterior position;
2. the bone fraction of the probe's anterior half (bone: HU above ``bone_hu``, cancellous bone
   300-400 HU, lower in the elderly, DOMAIN.md, together with what it encloses in the slice, the canal
   left out); pedicle slices are above ``pedicle_fraction``, foramen slices below ``open_fraction``.
   The anterior half only: the facet joint (the superior articular process of the vertebra below)
   bounds the foramen behind and enters the probe's posterior half on the slices just above the
   lower pedicle; on the TCIA lumbar scan it held the left L3-L4 probe at a bone fraction of 0.45-0.52
   over k 38-40 (neither pedicle nor open), so the L4 pedicle (k 37) lay 12 mm from the open run and
   that foramen was lost (renders of k 36-44 with the probes). The enclosed part: a pedicle's
   cancellous core can read under ``bone_hu`` (L5 at k 21: 0.27-0.38 of the anterior half above it
   without it, a false foramen inside the pedicle); its cortex encloses it, a foramen is open
   laterally;
3. (the fraction averaged over about 3 mm along the spine on thin slices) a foramen is a run of
   open slices of at least ``min_height_mm`` with pedicle slices (within ``pedicle_reach_mm``) on both ends, the pedicle above and the one below, or on one end where the canal's
   range ends there (a short scan shows only one of the two pedicles); its mask is the probe's non-bone, non-canal voxels
   on those slices. ``pedicle_reach_mm`` is 9 mm (three 3 mm slices): between the open run and the
   pedicle lie transition slices where the probe holds the pedicle's rounded edge and the facet in
   part (bone fraction between ``open_fraction`` and ``pedicle_fraction``). On the TCIA lumbar scan
   the left L2-L3 foramen has two of them (k 50-51, 0.51 and 0.41) since the canal grows into its
   posterior recess at disc levels (:mod:`planner.anatomy.canal_open`): the canal's mean
   anterior-posterior position, the probe band's centre, moved 0.5-1 mm back there, onto more of
   the facet; with the 6 mm of before that foramen was lost (its pedicle slice k 49 is 9 mm below
   the run). Lumbar pedicles are about 14-16 mm high (Zindrick et al. 1987, Spine 12:160) and the
   foramina about 20 mm (Hasegawa et al. 1995, J Bone Joint Surg Am 77:32), so a 9 mm reach still
   ends in the pedicle next to the foramen, not the next foramen.
4. two open runs of one side with only transition slices between them (no pedicle slice, at most
   ``pedicle_reach_mm`` apart) are one foramen: a slice whose bone fraction rises just above
   ``open_fraction`` inside a foramen does not split it in two (:func:`_merge_split_runs`).
5. the anterior probe: steps 1-4 again with the band centred ``front_offset_mm`` (2 mm) behind the
   canal's anterior edge instead of on its mean position, and a foramen it finds kept where the first
   probe saw none: in a stretch of the side longer than ``solid_mm`` (30 mm, about two pedicle
   heights; Zindrick et al. 1987) between the foramina found, and at least ``pedicle_reach_mm`` from
   each of them (:func:`_in_solid_stretches`). At L5-S1 the canal is triangular and the S1 superior
   articular process stands beside its mean position, so the first probe read 0.65-1.0 bone on every
   slice k 13-27 of both sides of the TCIA lumbar scan (45 mm without a foramen); the foramen lies in
   front of that process, level with the back of the L5 body and the L5-S1 disc (renders of k 10-26
   and parasagittal slices 16-22 mm from the midline): the anterior probe finds it on k 18-20 (right)
   and k 19-20 (left), and nothing else on either shared scan. Anchored at the front everywhere (3 mm,
   tried), the probe lost ten thoracic foramina of the lumbar scan and the left L1-L2 one (it meets the
   rib heads and the back of the bodies there), hence a second probe, not a moved one.

Checked by eye on the TCIA lumbar scan (docs/foramina-check.md; the reference table in
tests/anatomy/test_foramina_eye_check.py): the foramina above T11 (T5-T6 to T10-T11 by position) are
foramina, T11-T12 to L5-S1 are named and at their level; the masks in the sacrum are the S1/S2 roots'
intrasacral canals beside the sacral canal, neural passages rather than intervertebral foramina, and
stay unnamed.

Levels: when vertebral levels are known (name and body centre in LPS), a foramen is named after the
two vertebrae around it ("L2-L3": the L2 root exits there; :func:`_name`); otherwise its name is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.core.frames import kji_to_ijk, spacing_kji
from planner.core.lazy import lazy_module
from planner.anatomy.canal import _axial_order
from planner.anatomy.foramen_exit import extend_to_exit
from planner.anatomy.levels_grid import true_runs
from planner.anatomy.morphology import fill_holes_in_plane

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

_IN_PLANE = np.zeros((3, 3, 3), bool)  # 4-connected, within each axial slice
_IN_PLANE[1] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]


@dataclass(frozen=True, eq=False)
class Foramen:
    """One neural foramen: ``level`` ("L2-L3" or ""), ``side`` ("left"/"right", the patient's),
    its mask stored as the boolean ``local`` array at ``box`` (k, j, i slices) of the volume grid,
    ``centre_lps``, height along the spine."""

    level: str
    side: str
    box: tuple
    local: np.ndarray
    centre_lps: np.ndarray
    height_mm: float

    def full_mask(self, shape_kji) -> np.ndarray:
        out = np.zeros(shape_kji, dtype=bool)
        out[self.box] = self.local
        return out

    def points_kji(self) -> np.ndarray:
        return np.argwhere(self.local) + np.array([sl.start for sl in self.box])


@dataclass(frozen=True)
class ForaminaParams:
    bone_hu: float = 180.0
    probe_mm: float = 12.0
    band_mm: float = 5.0
    pedicle_fraction: float = 0.6
    open_fraction: float = 0.35
    min_height_mm: float = 2.0
    pedicle_reach_mm: float = 9.0
    front_offset_mm: float | None = 2.0
    solid_mm: float = 30.0
    #: widen each foramen's mask out to its exit (planner/anatomy/foramen_exit.py)
    to_exit: bool = True


def _merge_split_runs(runs, pedicle: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """Open runs of one side joined where only transition slices (no pedicle slice) and at most
    ``max_gap`` of them lie between: one foramen whose bone fraction rose just above ``open_fraction``
    on a slice (TCIA lumbar scan, left side: k 125 0.35, k 126 0.36, k 127 0.29 between pedicles at
    k 121-124 and k 128-129, rendered as one foramen; it was reported twice)."""
    out: list[tuple[int, int]] = []
    for a, b in runs:
        if out and a - out[-1][1] <= max_gap and not pedicle[out[-1][1]:a].any():
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _in_solid_stretches(candidates, runs, n_slices: int, solid_slices: float, margin: int) -> list[tuple[int, int]]:
    """The ``candidates`` (start, stop) lying inside a stretch without any of ``runs`` (the foramina
    found so far; the canal range's ends) longer than ``solid_slices``, and at least ``margin`` slices
    from each of them: where the first probe saw bone all along, over more than a pedicle's height, a
    foramen was missed (step 5); one next to a foramen found already is that foramen seen again."""
    out = []
    for a, b in candidates:
        lo = max([e for _s, e in runs if e <= a], default=0)
        hi = min([st for st, _e in runs if st >= b], default=n_slices)
        if any(st < b + margin and a < e + margin for st, e in runs):
            continue  # overlaps, or lies next to, a foramen found already
        if hi - lo > solid_slices:
            out.append((a, b))
    return out


#: How far above the upper vertebra's body centre a foramen may lie and still be named after the pair,
#: as a fraction of the distance between the two centres (see :func:`_name`).
ABOVE_UPPER_CENTRE = 0.25
#: How far above the lower vertebra's body centre a foramen named after the pair begins (same fraction): the
#: lower bound of the foramen is the lower vertebra's pedicle, which leaves the upper part of its body; the
#: S1 roots' channels inside the sacrum (shared lumbar scan, k 11-12) lie 1-2 slices above a centre set at the
#: middle of the S1 body (k 10.2) and must not be called L5-S1.
ABOVE_LOWER_CENTRE = 0.25


def _name(centre_z: float, levels) -> str:
    """The pair of vertebrae around a foramen whose centre is at ``centre_z`` (LPS z, mm).

    Each foramen lies below its vertebra's pedicle, which leaves the upper part of the body, down to
    the disc (Gray's Anatomy; DOMAIN.md "Access geometry"): its centre is level with the lower half of
    the upper body and the disc, so the pair is the one whose midpoint between the body centres (about
    the disc) is nearest, among the pairs whose span reaches it. The span runs from
    :data:`ABOVE_LOWER_CENTRE` of the pair's distance above the lower body's centre to
    :data:`ABOVE_UPPER_CENTRE` of it above the upper one's: L5 is wedge-shaped and tilted, its centre
    (k 19.8 on the TCIA lumbar scan, checked against its hand-read corners, tests/anatomy/test_body_centres.py)
    lies level with the top of the L5-S1 foramen (k 18-20). A foramen beyond
    the last pair (above the highest vertebra found) stays unnamed."""
    if not levels:
        return ""
    ordered = sorted(levels, key=lambda lv: -float(lv[1][2]))  # cranial first
    best, best_d = "", np.inf
    for (upper, cu), (lower, cl) in zip(ordered, ordered[1:]):
        zu, zl = float(cu[2]), float(cl[2])
        if zl + ABOVE_LOWER_CENTRE * (zu - zl) <= centre_z <= zu + ABOVE_UPPER_CENTRE * (zu - zl):
            d = abs(centre_z - 0.5 * (zu + zl))
            if d < best_d:
                best, best_d = f"{upper}-{lower}", d
    return best


def name_foramen(foramen: "Foramen", levels) -> str:
    """The name of ``foramen`` from ``(name, body_centre_lps)`` pairs: the two vertebrae around it
    ("L2-L3", :func:`_name`), "" when no pair reaches it."""
    return _name(float(foramen.centre_lps[2]), tuple(levels))


def find_foramina(volume, canal_mask: np.ndarray, levels=(), params: ForaminaParams | None = None) -> list[Foramen]:
    """The neural foramina beside ``canal_mask`` (see the module docstring). ``levels``: optional
    ``(name, body_centre_lps)`` pairs. Returns [] when the canal is empty."""
    p = params or ForaminaParams()
    if canal_mask.shape != volume.hu.shape:
        raise ValueError(f"canal mask {canal_mask.shape} does not match the volume {volume.hu.shape}")
    if not canal_mask.any():
        return []
    perm = _axial_order(volume.direction)
    A = np.transpose(volume.hu, perm)
    C = np.transpose(canal_mask, perm)
    sp = spacing_kji(volume.spacing_mm)[list(perm)]
    d = np.asarray(volume.direction, float)
    dirs_rc = np.stack([d[:, 2 - perm[1]], d[:, 2 - perm[2]]], axis=1)  # columns: LPS of r, of c
    left_rc, post_rc = dirs_rc[0], dirs_rc[1]  # +x = the patient's left, +y = posterior
    slices = np.flatnonzero(C.any(axis=(1, 2)))
    s0, s1 = slices[0], slices[-1] + 1
    # work in the canal's box plus the probe's reach (the whole slice would cost 20x more)
    reach = np.ceil((p.probe_mm + p.band_mm + 5.0) / sp[1:]).astype(int)
    rr_any, cc_any = np.nonzero(C.any(axis=0))
    r0, c0 = max(0, rr_any.min() - reach[0]), max(0, cc_any.min() - reach[1])
    r1, c1 = min(A.shape[1], rr_any.max() + 1 + reach[0]), min(A.shape[2], cc_any.max() + 1 + reach[1])
    A, C = A[:, r0:r1, c0:c1], C[:, r0:r1, c0:c1]
    rows = np.arange(A.shape[1]) * sp[1]
    cols = np.arange(A.shape[2]) * sp[2]
    out: list[Foramen] = []
    inv = np.argsort(perm)
    ap = rows[:, None] * post_rc[0] + cols[None, :] * post_rc[1]
    filled = fill_holes_in_plane(A[s0:s1] > p.bone_hu, _IN_PLANE)  # bone with what its cortex encloses
    grid = _Grid(A, C, s0, s1, ap, filled, sp)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        lat = sign * (rows[:, None] * left_rc[0] + cols[None, :] * left_rc[1])
        probe, runs = _side_runs(grid, lat, None, p)
        if p.front_offset_mm is not None:  # step 5: the anterior probe, where the first one missed one
            front_probe, front_runs = _side_runs(grid, lat, p.front_offset_mm, p)
            near = max(2, int(round(p.pedicle_reach_mm / sp[0])))
            for a, b in _in_solid_stretches(front_runs, runs, s1 - s0, p.solid_mm / sp[0], near):
                probe[a:b] = front_probe[a:b]
                runs.append((a, b))
        for a, b in runs:
            local, box = _to_volume_box(probe[a:b], (s0 + a, r0, c0), perm, inv)
            kji = np.argwhere(local) + np.array([sl.start for sl in box])
            centre = volume.to_lps(kji_to_ijk(kji.mean(axis=0)))
            out.append(Foramen(_name(float(centre[2]), levels), side, box, local, centre,
                               float((b - a) * sp[0])))
    out.sort(key=lambda f: (-float(f.centre_lps[2]), f.side))
    return out


@dataclass(frozen=True, eq=False)
class _Grid:
    """The axial stack (axial axis first) cropped to the canal's box, and what every probe reads."""

    A: np.ndarray
    C: np.ndarray
    s0: int
    s1: int
    ap: np.ndarray
    filled: np.ndarray
    sp: np.ndarray


def _side_runs(g: _Grid, lat: np.ndarray, front_offset_mm: float | None, p: ForaminaParams):
    """Steps 1-4 on one side (``lat``: mm toward that side): the probe's open voxels per slice and the
    foramina as (start, stop) runs of slices of the canal's range. The probe band is centred on the
    canal's mean anterior-posterior position, or ``front_offset_mm`` behind its anterior edge."""
    A, C, s0, s1, ap, filled, sp = g.A, g.C, g.s0, g.s1, g.ap, g.filled, g.sp
    probe = np.zeros((s1 - s0,) + A.shape[1:], dtype=bool)
    frac = np.full(s1 - s0, np.nan)
    edges, ap0s = np.full(s1 - s0, np.nan), np.full(s1 - s0, np.nan)
    for n, s in enumerate(range(s0, s1)):
        rr, cc = np.nonzero(C[s])
        if rr.size == 0:
            continue
        edge = lat[rr, cc].max()
        ap0 = ap[rr, cc].mean() if front_offset_mm is None else ap[rr, cc].min() + front_offset_mm
        edges[n], ap0s[n] = edge, ap0
        box = (lat > edge) & (lat <= edge + p.probe_mm) & (np.abs(ap - ap0) <= p.band_mm)
        if not box.any():
            continue
        bone = filled[n] & ~C[s]  # a pedicle's cancellous core, enclosed by its cortex, is bone
        front = box & (ap <= ap0)  # the facet joint behind the foramen stays out of the count
        frac[n] = bone[front].mean() if front.any() else bone[box].mean()
        probe[n] = box & ~bone & ~C[s]
    # thin slices: average over about 3 mm along the spine so noise does not split a run
    width = max(1, int(round(3.0 / sp[0])))
    if width > 1:
        valid = ~np.isnan(frac)
        num = ndimage.uniform_filter1d(np.where(valid, frac, 0.0), width, mode="nearest")
        den = ndimage.uniform_filter1d(valid.astype(float), width, mode="nearest")
        frac = np.where(valid, num / np.maximum(den, 1e-9), np.nan)
    pedicle = frac >= p.pedicle_fraction
    open_ = frac <= p.open_fraction
    nf = len(frac)
    near = max(2, int(round(p.pedicle_reach_mm / sp[0])))  # a pedicle within pedicle_reach_mm of the run's end
    runs = []
    for a, b in _merge_split_runs(true_runs(open_), pedicle, near):
        below = a > 0 and bool(pedicle[max(0, a - near):a].any())
        above = b < nf and bool(pedicle[b:b + near].any())
        # bounded by pedicles on both sides, or on one side where the canal's range ends
        if not ((below or a == 0) and (above or b >= nf) and (below or above)):
            continue
        if (b - a) * sp[0] < p.min_height_mm:
            continue
        if not probe[a:b].any():
            continue
        runs.append((int(a), int(b)))
    if p.to_exit:  # out to the exit, lateral to the pedicles' outer edge (planner/anatomy/foramen_exit.py)
        probe = extend_to_exit(probe, runs, pedicle, edges, ap0s, filled, C[s0:s1], lat, ap, p.band_mm,
                               p.probe_mm, near)
    return probe, runs


def _to_volume_box(stack: np.ndarray, offset, perm, inv):
    """A block of the axial stack (axial axis first) at ``offset`` back to a tight box of the
    volume's array."""
    nz = np.argwhere(stack)
    lo, hi = nz.min(axis=0), nz.max(axis=0) + 1
    tight = stack[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    starts = lo + np.asarray(offset, int)
    stops = starts + np.array(tight.shape)
    local = np.ascontiguousarray(np.transpose(tight, inv))
    box = tuple(slice(int(starts[a]), int(stops[a])) for a in inv)
    return local, box


def union_mask(foramina, shape_kji) -> np.ndarray | None:
    """All foramina in one mask (for the corridor check and the views); None when there are none."""
    if not foramina:
        return None
    out = np.zeros(shape_kji, dtype=bool)
    for f in foramina:
        out[f.box] |= f.local
    return out


__all__ = ["Foramen", "ForaminaParams", "find_foramina", "name_foramen", "union_mask"]
