"""The vertebral body with low-density marrow, bounded by its cortex (planner/anatomy/levels_marrow.py).

Expected values come from closed forms (a synthetic porotic body with a contrast-filled aorta touching it
through a gap in its cortex) and, on the 20-slice T11-T12 scan, from reading the slices by eye and from
TotalSegmentator's labels (machine-made, a stand-in reference; SOURCE.txt: 32 = T12, 33 = T11).

T11-T12 scan by eye (k = slice index, 0 most caudal, 2 mm apart; axial slices rendered in a bone
window, and HU profiles along rows and columns): the T12-L1 disc and T12's lower endplate at k 0-2,
T12's marrow from k 3 to 13, the T11-T12 disc at k 14-17 (dark nucleus, bright ring), T11 at k 18-19.
At k 9 on column i 245 the anterior cortex starts at row j 311 and the HU falls to CSF at j 347: the
body is 35 mm deep there. On row j 355 the canal's CSF runs from column i 237 to 259 on k 6, 9 and 12:
its middle, on the mid-sagittal plane, is column 248. The aorta (lumen about 150 HU, as dense as the marrow) is a round tube of
radius about 12 mm centred near (i 260, j 297), touching the body's anterior-left cortex.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from planner.anatomy.levels import LevelParams, detect_level_pass
from planner.anatomy.levels_marrow import analyse_marrow_pass
from planner.anatomy.levels_mask import body_mask_on_ct
from planner.anatomy.spine import SpineParams, find_spine
from planner.core.volume import ImageVolume
from planner.imaging import load_path
from tests.ts_labels import labels_on_ct

# -- synthetic: a porotic body and a touching aorta ---------------------------------------------------
SEMI_MM = (22.0, 16.0)  # body ellipse, u (left-right) and v (anterior-posterior)
HEIGHT_MM = 25.0
PITCH_MM = 37.0
CORTEX_MM, CORTEX_HU, MARROW_HU, DISC_HU, SOFT_HU, LUMEN_HU = 1.5, 600.0, 120.0, 70.0, 40.0, 150.0
AORTA_UV, AORTA_R_MM = (10.0, -29.0), 12.0  # touches the anterior cortex at its left


def _porotic_stack(spacing_mm=(0.8, 0.8, 1.0)) -> ImageVolume:
    """Three porotic bodies 37 mm apart (middle one centred at the origin), pedicles and an arch, a
    contrast-filled aorta touching the bodies' anterior-left cortex through a 6 mm gap in it."""
    sp = np.asarray(spacing_mm, float)
    lo = np.array([-60.0, -55.0, -62.0])
    n = np.round(np.array([120.0, 130.0, 124.0]) / sp).astype(int) + 1
    u, v, w = np.meshgrid(*(lo[a] + sp[a] * np.arange(n[a]) for a in range(3)), indexing="ij")
    hu = np.full(u.shape, SOFT_HU)
    r = np.sqrt((u / SEMI_MM[0]) ** 2 + (v / SEMI_MM[1]) ** 2)
    hu[(r <= 1.0) & (np.abs(w) <= 1.5 * PITCH_MM)] = DISC_HU
    for c in (-PITCH_MM, 0.0, PITCH_MM):
        ww = w - c
        body = (r <= 1.0) & (np.abs(ww) <= HEIGHT_MM / 2)
        inner = (np.sqrt((u / (SEMI_MM[0] - CORTEX_MM)) ** 2 + (v / (SEMI_MM[1] - CORTEX_MM)) ** 2) <= 1.0) & (
            np.abs(ww) <= HEIGHT_MM / 2 - CORTEX_MM)
        hu[body] = CORTEX_HU
        hu[inner] = MARROW_HU
        gap = body & ~inner & (np.abs(u - AORTA_UV[0]) <= 3.0) & (v < 0)  # the cortex broken where the aorta lies
        hu[gap] = MARROW_HU
        pedicles = (np.minimum((u - 15.0) ** 2, (u + 15.0) ** 2) + (ww - 3.0) ** 2 <= 4.5 ** 2) & (v >= 12.0) & (v <= 34.0)
        arch = (np.abs(u) <= 17.0) & (v >= 31.0) & (v <= 37.0) & (np.abs(ww) <= 10.0)
        hu[pedicles | arch] = CORTEX_HU
    aorta = (u - AORTA_UV[0]) ** 2 + (v - AORTA_UV[1]) ** 2 <= AORTA_R_MM ** 2
    hu[aorta & (hu < CORTEX_HU)] = LUMEN_HU
    hu = ndimage.gaussian_filter(hu, 0.6 / sp) + np.random.default_rng(3).normal(0.0, 12.0, hu.shape)
    return ImageVolume(hu=np.transpose(hu, (2, 1, 0)).astype(np.int16), spacing_mm=tuple(sp),
                       origin_lps=tuple(lo), direction=np.eye(3))


@pytest.fixture(scope="module")
def porotic():
    volume = _porotic_stack()
    result = analyse_marrow_pass(volume, np.zeros(3), np.eye(3), np.array([0.0, 2.0, 3.0]), LevelParams(), 25.0)
    return volume, result


def test_porotic_body_centre_height_and_volume_from_the_closed_form(porotic):
    _, result = porotic
    assert np.linalg.norm(result.centre_lps) < 1.5, result.centre_lps
    height = float(np.linalg.norm(result.top_endplate_lps - result.bottom_endplate_lps))
    assert abs(height - HEIGHT_MM) < 3.0, height
    true_ml = np.pi * SEMI_MM[0] * SEMI_MM[1] * HEIGHT_MM / 1000.0  # 27.6 mL
    assert abs(result.volume_ml - true_ml) < 0.15 * true_ml, (result.volume_ml, true_ml)
    assert abs(result.width_mm - 2 * SEMI_MM[0]) < 4.0 and abs(result.depth_mm - 2 * SEMI_MM[1]) < 4.0
    assert result.next_above_mm is not None and result.next_below_mm is not None  # both discs seen


def test_porotic_body_keeps_the_touching_aorta_out(porotic):
    volume, result = porotic
    mask = body_mask_on_ct(volume, result)
    k, j, i = np.nonzero(mask)
    p = volume.to_lps(np.stack([i, j, k], axis=1).astype(float))
    in_lumen = (p[:, 0] - AORTA_UV[0]) ** 2 + (p[:, 1] - AORTA_UV[1]) ** 2 <= (AORTA_R_MM - 2.0) ** 2
    assert in_lumen.sum() == 0
    assert p[:, 1].min() > -SEMI_MM[1] - 2.0  # nothing in front of the anterior cortex


def test_the_same_stack_at_a_marrow_threshold_takes_the_aorta_in(porotic):
    """Why the cortex bound is needed: bone above 95 HU (a threshold low enough for the marrow) is one
    piece with the lumen through the gap, so the lumen's voxels join the body's connected bone."""
    volume, _ = porotic
    bone = ndimage.gaussian_filter(volume.hu.astype(float), 1.0) > 95.0
    labels, _ = ndimage.label(bone)
    centre = np.round(volume.to_ijk(np.array([0.0, 0.0, 0.0]))).astype(int)
    lumen = np.round(volume.to_ijk(np.array([AORTA_UV[0], AORTA_UV[1], 0.0]))).astype(int)
    assert labels[centre[2], centre[1], centre[0]] == labels[lumen[2], lumen[1], lumen[0]] != 0


# -- the 20-slice T11-T12 scan -----------------------------------------------------------------------
T12_MARROW_K = (3, 13)
AORTA_IJ, AORTA_CORE_MM = (260.0, 297.0), 7.0


@pytest.fixture(scope="module")
def t12(t11_t12_volume):
    spine = find_spine(t11_t12_volume)
    return t11_t12_volume, spine


@pytest.mark.realdata
def test_t12_found_automatically_and_not_named(t12):
    volume, spine = t12
    assert len(spine.vertebrae) == 1, spine.vertebrae
    g = spine.vertebrae[0]
    assert g.complete and g.name == "" and not spine.named
    i, j, k = volume.to_ijk(np.array(g.body_centre_lps))
    assert T12_MARROW_K[0] + 3 <= k <= T12_MARROW_K[1] - 3, k
    assert 311 + 8 <= j <= 347 - 8, j  # within the body's depth, away from its walls
    assert abs(i - 248) <= 5, i  # the canal's middle (on the mid-sagittal plane), module docstring
    assert 20.0 <= g.height_mm <= 32.0, g.height_mm  # marrow k 3-13 (22 mm) plus the endplates
    assert np.degrees(np.arccos(abs(g.axes_lps[2][2]))) < 10.0  # the patient lies straight on this scan
    assert "1 vertebral body was found" in spine.message and "too short" in spine.message
    assert "by hand" in spine.message


@pytest.fixture(scope="module")
def t12_mask(t12):
    volume, spine = t12
    g = spine.vertebrae[0]
    _, result = detect_level_pass(volume, g.body_centre_lps, "T12", SpineParams().level_params, frame_hint=g.axes_lps)
    return body_mask_on_ct(volume, result)


@pytest.mark.realdata
def test_t12_body_mask_matches_totalsegmentator_in_front_of_the_canal(t12, t12_mask, t11_t12_canal, t11_t12_ct_dir):
    """Dice >= 0.85 against TotalSegmentator's T11 + T12 labels (its split between the two runs
    obliquely through T12's body on this scan), both cut at the canal's front in each slice (the label
    includes the posterior elements), on the slices where the reference section is at least half its
    largest (the endplate slices get only the label's ring) within T12's marrow run."""
    volume, _ = t12
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    kji = np.argwhere(np.isin(seg.hu, (32, 33)))
    ijk = np.round(volume.to_ijk(seg.to_lps(kji[:, ::-1].astype(float)))).astype(int)
    ref = np.zeros(volume.hu.shape, bool)
    ref[ijk[:, 2], ijk[:, 1], ijk[:, 0]] = True
    canal = t11_t12_canal.mask
    rows = np.arange(volume.hu.shape[1])[None, :, None]
    front = np.array([np.nonzero(c)[0].min() if c.any() else volume.hu.shape[1] for c in canal])
    ahead = rows < front[:, None, None]
    ref, ours = ref & ahead, t12_mask & ahead
    area = ref.sum(axis=(1, 2))
    slices = np.zeros(area.size, bool)
    slices[T12_MARROW_K[0]:T12_MARROW_K[1] + 1] = True
    slices &= area >= 0.5 * area.max()
    assert slices.sum() >= 9
    dice = 2.0 * (ours & ref)[slices].sum() / (ours[slices].sum() + ref[slices].sum())
    assert dice >= 0.85, dice


@pytest.mark.realdata
def test_t12_body_mask_leaves_the_aorta_out(t12, t12_mask):
    volume, _ = t12
    i, j = np.meshgrid(np.arange(volume.hu.shape[2]), np.arange(volume.hu.shape[1]))
    r_mm = np.hypot(i - AORTA_IJ[0], j - AORTA_IJ[1]) * volume.spacing_mm[0]
    lumen_core = r_mm <= AORTA_CORE_MM
    assert 140.0 <= float(np.median(volume.hu[8][lumen_core])) <= 170.0  # it is the lumen (about 150 HU)
    assert not (t12_mask & lumen_core[None]).any()
    assert t12_mask[T12_MARROW_K[0]:T12_MARROW_K[1] + 1].any(axis=(1, 2)).all()  # a section in every marrow slice


@pytest.mark.realdata
def test_t12_the_same_in_a_prone_feet_first_layout(t12):
    """The same voxels stored prone and feet-first (every voxel at the same LPS point,
    tests/anatomy/test_orientations.py) give the same body: the search runs in the patient's axis order."""
    from .test_orientations import _relayout

    volume, spine = t12
    other = find_spine(_relayout(volume, flip_ijk=(True, True, True)))
    assert len(other.vertebrae) == 1 and not other.named
    assert np.allclose(other.vertebrae[0].body_centre_lps, spine.vertebrae[0].body_centre_lps, atol=0.01)
    assert abs(other.vertebrae[0].height_mm - spine.vertebrae[0].height_mm) < 0.01


@pytest.mark.realdata
def test_t12_sectors_from_the_automatic_vertebra(t12, t11_t12_canal):
    """The ISRC sectors (planner/anatomy/sectors.py) laid on the automatic T12: the landmarks marked by
    eye on this scan (tests/planning/test_sector_landmarks.py, T11_T12_T12) fall in their sectors, and
    the body centre is labelled body."""
    from planner.anatomy.sectors import BODY, sector_map

    from ..planning.test_sector_landmarks import T11_T12_T12

    volume, spine = t12
    sectors = sector_map(volume, spine.vertebrae[0], t11_t12_canal.mask)
    for name, ((i, j, k), sector) in T11_T12_T12.items():
        assert int(sectors.frame.classify(volume.to_lps(np.array((i, j, k), float))[None])[0]) == sector, name
    i, j, k = T11_T12_T12["body centre"][0]
    assert sectors.labels[k, j, i] == BODY


# -- the automatic T12's centre, sizes and axes against TotalSegmentator's body -------------------------
#: T12's middle: its marrow run (k 3-13, module docstring) less two slices (4 mm) at each end, where the
#: label takes the endplates' rims and the marginal osteophytes in front of the lower endplate.
T12_MIDDLE_K = (5, 11)


@pytest.fixture(scope="module")
def t12_reference_body(t12, t11_t12_canal, t11_t12_ct_dir):
    """TotalSegmentator's body of T12, computed here apart from the planner's body pass: its T11 + T12
    labels (the split between them runs obliquely through T12's body on this scan) on the CT grid, on each
    slice of T12's marrow run the part in front of the posterior wall, its largest in-plane part. The wall
    is the median, over the canal's columns, of the canal mask's front row (segment_canal, another
    algorithm): the canal's most anterior voxel pokes 3-5 mm into the basivertebral foramen here, and a
    cut there (as planner/training/t12_anatomy.py does) leaves the posterior wall out."""
    volume, _ = t12
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    label = labels_on_ct(volume, seg, (32, 33))
    canal = t11_t12_canal.mask
    ref = np.zeros_like(label)
    for k in range(T12_MARROW_K[0], T12_MARROW_K[1] + 1):
        j, i = np.nonzero(canal[k])
        wall = int(np.median([j[i == c].min() for c in np.unique(i)]))
        parts, n = ndimage.label(label[k, :wall])
        if n:
            ref[k, :wall] = parts == np.argmax(np.bincount(parts.ravel())[1:]) + 1
    cord = seg.to_lps(np.argwhere(seg.hu == 79)[:, ::-1].astype(float))
    return ref, cord


def _extents_mm(volume, mask2d) -> tuple[float, float]:
    """Left-right and anterior-posterior extent of a slice's mask, voxel edge to edge (mm)."""
    j, i = np.nonzero(mask2d)
    return float(np.ptp(i) + 1) * volume.spacing_mm[0], float(np.ptp(j) + 1) * volume.spacing_mm[1]


@pytest.mark.realdata
def test_t12_centre_and_sizes_match_totalsegmentators_body(t12, t12_reference_body):
    """Centre within 2.5 mm of the reference body's centroid, width and depth within 3 mm of the medians of
    its sections' extents over T12's middle. Tolerances: the pass measures on a 1.5 mm grid (extents move by
    a step, SpineParams.level_params) and TotalSegmentator's labels end about a voxel (1 mm) inside the
    cortex (docs/ctv.md), so each extent may differ by a step plus a voxel on either side of zero. The
    body's outline stops at its cortex: before, it took the rib heads and the pedicle bases behind its middle
    and the flared endplates, 55.5 x 43.5 mm against the reference's 44.9 x 38.1 mm."""
    volume, spine = t12
    g = spine.vertebrae[0]
    ref, _ = t12_reference_body
    kji = np.argwhere(ref)
    centroid = volume.to_lps(kji[:, ::-1].astype(float)).mean(axis=0)
    middle = range(T12_MIDDLE_K[0], T12_MIDDLE_K[1] + 1)
    widths, depths = zip(*(_extents_mm(volume, ref[k]) for k in middle))
    ref_w, ref_d = float(np.median(widths)), float(np.median(depths))
    assert 40.0 <= ref_w <= 50.0 and 30.0 <= ref_d <= 40.0  # a T12 body (DOMAIN.md: 40-50 x 30-35 mm at L1-L3)
    assert np.linalg.norm(np.asarray(g.body_centre_lps) - centroid) <= 2.5, (g.body_centre_lps, centroid)
    assert abs(g.width_mm - ref_w) <= 3.0, (g.width_mm, ref_w)
    assert abs(g.depth_mm - ref_d) <= 3.0, (g.depth_mm, ref_d)


@pytest.mark.realdata
def test_t12_axes_point_from_the_body_to_the_cord(t12, t12_reference_body):
    """The vertebra's anterior-posterior axis within 6 degrees (in the axial plane) of the mean direction
    from the reference body's centroid to the centroid of TotalSegmentator's spinal cord label, slice by
    slice over T12's marrow run (that direction itself spreads over 0-5 degrees from slice to slice), and
    the cranio-caudal axis within 5 degrees of the scan's (the patient lies straight, module docstring)."""
    volume, spine = t12
    g = spine.vertebrae[0]
    ref, cord = t12_reference_body
    directions = []
    for k in range(T12_MARROW_K[0], T12_MARROW_K[1] + 1):
        ji = np.argwhere(ref[k])
        body = volume.to_lps(np.stack([ji[:, 1], ji[:, 0], np.full(len(ji), k)], axis=1).astype(float))
        near = cord[np.abs(cord[:, 2] - body[0, 2]) <= 1.0]
        if len(near):
            d = near[:, :2].mean(axis=0) - body[:, :2].mean(axis=0)
            directions.append(d / np.linalg.norm(d))
    assert len(directions) >= 9
    mean = np.mean(directions, axis=0)
    ap = np.asarray(g.axes_lps[1], float)[:2]
    angle = np.degrees(np.arccos(np.clip(mean @ ap / np.linalg.norm(mean) / np.linalg.norm(ap), -1.0, 1.0)))
    assert angle <= 6.0, angle
    assert np.degrees(np.arccos(abs(g.axes_lps[2][2]))) <= 5.0


@pytest.mark.parametrize("top_mm", [15.0, 16.0])
def test_a_scan_cut_in_the_disc_above_leaves_the_walk_at_the_edge(top_mm):
    """The stack cut 2.5-3.5 mm above the middle body's upper endplate (12.5 mm), inside the disc: the next
    body starts at 37 - 12.5 = 24.5 mm, beyond the scan, so the walk across the disc above must end at the
    scan's edge. Before the walks read only the slices the smoothing left free of the outside fill
    (levels_grid.unmixed_slices, as in the standard pass: docs/levels.md "Thin slices"), the last grid slice
    inside the scan, its smoothed HU mixed with the -1000 HU fill beyond, read as marrow and ended the walk
    there as if a next body began: the body counted as complete with its neighbour unseen."""
    import dataclasses

    volume = _porotic_stack()
    n = int(round((top_mm - volume.origin_lps[2]) / volume.spacing_mm[2])) + 1  # slices up to w = top_mm
    cut = dataclasses.replace(volume, hu=volume.hu[:n].copy())
    for dz in (0.0, 0.5, 1.0):  # the grid's slices at three offsets from the CT's
        result = analyse_marrow_pass(cut, np.array([0.0, 0.0, dz]), np.eye(3), np.array([0.0, 2.0, -3.0]),
                                     LevelParams(), 25.0)
        assert result.at_edge_above and result.next_above_mm is None, (top_mm, dz)
        assert abs(result.top_endplate_lps[2] - HEIGHT_MM / 2) < 3.0, result.top_endplate_lps  # the body is whole
