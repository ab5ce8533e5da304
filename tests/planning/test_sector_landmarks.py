"""ISRC sectors on the real scans against an independent reference: landmarks marked by eye, and
TotalSegmentator's T12 label (docs/ctv.md, "Independent check").

The landmarks were placed by looking at rendered axial slices (bone window, a grid every 5 voxels),
each on bone at the centre of the structure: body centre, pedicle centre (beside the canal, midway
along its front-back extent), transverse process, lamina (between pedicle and spinous process),
spinous process. Voxel (i, j, k) on the CT grid; i grows toward the patient's left (LPS +x). On the
T11-T12 scan the spinous process at the T12 pedicles' slices is T11's (it points down), so it is not
used. Their expected sectors are the ISRC numbering (Cox 2012; docs/ctv.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.sectors import BODY, SECTOR_NAMES
from planner.imaging import load_path
from planner.plan.items import Target
from planner.session.session import PlanningSession
from planner.session.whole_target import ctv_case

pytestmark = pytest.mark.realdata

#: TCIA lumbar L2 (slice 57; docs/levels.md counts it): (i, j, k) -> sector.
TCIA_L2 = {
    "body centre": ((261, 272, 57), 1),
    "right pedicle": ((244, 294, 57), 6),
    "left pedicle": ((278, 292, 57), 2),
    "right transverse process": ((226, 305, 55), 5),
    "left transverse process": ((295, 299, 55), 3),
    "spinous process": ((266, 323, 55), 4),
    "right lamina": ((252, 305, 56), 5),
    "left lamina": ((270, 302, 56), 3),
}
#: T12 on the 20-slice T11-T12 scan (pedicles at slices 5-12).
T11_T12_T12 = {
    "body centre": ((245, 325, 9), 1),
    "right pedicle": ((227, 355, 9), 6),
    "left pedicle": ((262, 355, 9), 2),
    "right lamina": ((232, 369, 9), 5),
    "left lamina": ((264, 371, 9), 3),
}


def _case(volume, canal, level, seed_ijk):
    """``volume`` and its ``canal`` (segment_canal's) are the session's shared ones (tests/conftest.py)."""
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(canal.mask.copy())
    centre = volume.to_lps(np.array(seed_ijk, float))
    s.plan.insert(Target(tuple(float(x) for x in centre), semi_axes_mm=(7.5, 7.5, 7.5), level=level))
    return volume, ctv_case(s, level)


@pytest.fixture(scope="module")
def tcia_l2(lumbar_volume, lumbar_canal):
    return _case(lumbar_volume, lumbar_canal, "L2", (258, 272, 57))


@pytest.fixture(scope="module")
def t12(t11_t12_volume, t11_t12_canal):
    return _case(t11_t12_volume, t11_t12_canal, "T12", (246, 315, 6))


def _check_landmarks(volume, case, landmarks):
    bad = []
    for name, ((i, j, k), sector) in landmarks.items():
        if name != "body centre":  # the landmark itself lies on bone (cortical or cancellous)
            assert volume.hu[k, j, i] > 150, (name, volume.hu[k, j, i])
        by_position = int(case.sectors.frame.classify(volume.to_lps(np.array((i, j, k), float))[None])[0])
        label = int(case.sectors.labels[k, j, i])
        if by_position != sector or label not in (0, sector):
            bad.append((name, SECTOR_NAMES[sector], by_position, label))
    assert not bad, bad
    i, j, k = landmarks["body centre"][0]
    assert case.sectors.labels[k, j, i] == BODY  # the body's marrow is in the vertebra, not only its cortex


def test_tcia_l2_landmarks_fall_in_their_sectors(tcia_l2):
    _check_landmarks(*tcia_l2, TCIA_L2)


def test_t12_landmarks_fall_in_their_sectors(t12):
    _check_landmarks(*t12, T11_T12_T12)


def _t12_reference_ijk(volume, t11_t12_ct_dir, label=32):
    """Voxels (i, j, k) of TotalSegmentator's label (32 = T12) on the CT grid."""
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    kji = np.argwhere(seg.hu == label)
    return np.round(volume.to_ijk(seg.to_lps(kji[:, ::-1].astype(float)))).astype(int)


def test_t12_body_volume_matches_totalsegmentator(t12, t11_t12_ct_dir):
    """The body's volume in front of the canal is within 15 % of TotalSegmentator's T12 there (the
    label has no body / arch split, so the same cut is made in both; the whole label, not only the
    slab). Before the slab left the discs out and the hull kept to the body's footprint
    (sectors.bracket_by_foramina, fill_body_sections) the body was 44 mL against 28 mL."""
    volume, case = t12
    frame = case.sectors.frame
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    ref = _t12_reference_ijk(volume, t11_t12_ct_dir)
    ref_front = frame.level.local(volume.to_lps(ref.astype(float)))[:, 1] < frame.v_canal_ant
    ours = np.argwhere(case.sectors.labels == BODY)[:, ::-1]
    ours_front = frame.level.local(volume.to_lps(ours.astype(float)))[:, 1] < frame.v_canal_ant
    ref_ml, ours_ml = ref_front.sum() * voxel_ml, ours_front.sum() * voxel_ml
    assert ref_ml > 20.0  # the reference is the body, not a few slices of it
    assert abs(ours_ml - ref_ml) <= 0.15 * ref_ml, (ours_ml, ref_ml)


def test_t12_body_matches_totalsegmentator(t12, t11_t12_ct_dir):
    """TotalSegmentator's T12 (label 32; machine-made, a stand-in) in front of the canal, within the
    level's slab, is labelled body: before the per-slice hull (sectors.fill_body_sections) 35 % was,
    the low-density marrow staying out."""
    volume, case = t12
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    kji = np.argwhere(seg.hu == 32)
    ijk = np.round(volume.to_ijk(seg.to_lps(kji[:, ::-1].astype(float)))).astype(int)
    frame = case.sectors.frame
    uvw = frame.level.local(volume.to_lps(ijk.astype(float)))
    front = (np.abs(uvw[:, 2]) <= frame.slab_half_mm) & (uvw[:, 1] < frame.v_canal_ant)
    assert front.sum() > 5000
    got = case.sectors.labels[ijk[front, 2], ijk[front, 1], ijk[front, 0]]
    assert (got == BODY).mean() > 0.95
