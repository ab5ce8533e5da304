"""The default 3D bone surface holds the skeleton, not the enhancing kidneys, heart or aorta (issue 13).

planner/anatomy/bone.py decides which voxels at or above the bone threshold are bone;
planner/render/surfaces.py ``skeleton_volume`` lowers the others below the threshold for the isosurface.
The window's *All* box (planner/ui/view3d.py) draws the plain volume instead: everything shows.

Points on the shared TCIA lumbar scan were picked by eye on renders of the slices (k = axial slice index
sorted feet to head, 3 mm; i, j = column, row): the kidneys on the axial slice k 60 (renal cortex, bone
window and a 200 HU contour), the vertebral bodies on the mid-sagittal slice i 262 (x = 6.4 mm), each in
the middle of its body's outline there.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.bone import fill_enclosed, filled_skeleton_mask, skeleton_mask
from planner.core.volume import ImageVolume
from planner.render.surfaces import SKELETON_MIN_THRESHOLD_HU, coarse_bone_surface, skeleton_volume

THRESHOLD_HU = 200.0

#: Renal cortex on k 60: the right kidney's lateral cortex (i 180, j 288, 211 HU) and the left's (i 356, j 290,
#: 246 HU): above the bone threshold.
KIDNEY_LPS = {"right": (-81.6, 131.3, 265.9), "left": (107.4, 133.4, 265.9)}

#: Vertebral body centres on the mid-sagittal slice i 262 (x 6.4 mm), by eye: (k, j) in the comments.
BODY_CENTRES_LPS = {
    "S1": (6.4, 119.5, 118.9),  # k 11, j 277 (the S1 body spans k 6-16 there)
    "L5": (6.4, 109.8, 151.9),  # k 22, j 268
    "L4": (6.4, 103.3, 184.9),  # k 33, j 262
    "L3": (6.4, 103.3, 220.9),  # k 45, j 262
    "L2": (6.4, 106.6, 256.9),  # k 57, j 265
    "L1": (6.4, 114.1, 289.9),  # k 68, j 272
    "T12": (6.4, 122.7, 322.9),  # k 79, j 280
    "T11": (6.4, 128.1, 355.9),  # k 90, j 285
    "T10": (6.4, 131.3, 385.9),  # k 100, j 288
}


def _kji(volume, lps):
    i, j, k = np.round(volume.to_ijk(np.asarray(lps, float))).astype(int)
    return k, j, i


@pytest.fixture(scope="module")
def lumbar_bone(lumbar_volume, lumbar_body):
    bone = skeleton_mask(lumbar_volume, THRESHOLD_HU, lumbar_body.mask)
    return bone, fill_enclosed(lumbar_volume, bone)


@pytest.mark.realdata
@pytest.mark.parametrize("side", sorted(KIDNEY_LPS))
def test_the_kidney_cortex_is_above_the_threshold_but_not_bone(lumbar_volume, lumbar_bone, side):
    bone, filled = lumbar_bone
    kji = _kji(lumbar_volume, KIDNEY_LPS[side])
    assert lumbar_volume.hu[kji] >= THRESHOLD_HU  # a plain threshold calls it bone
    assert not bone[kji] and not filled[kji]


@pytest.mark.realdata
def test_every_vertebral_body_centre_is_bone(lumbar_volume, lumbar_bone):
    _bone, filled = lumbar_bone
    missing = [name for name, lps in BODY_CENTRES_LPS.items() if not filled[_kji(lumbar_volume, lps)]]
    assert not missing


@pytest.mark.realdata
def test_the_vertebrae_are_kept_whole(lumbar_volume, lumbar_body, lumbar_bone):
    """Every voxel at or above the threshold within 15 mm of a body centre is kept (the bodies, pedicles
    and the near rib heads), but for the aorta's contact, under 1 % of them."""
    bone, _filled = lumbar_bone
    k, j, i = np.indices(lumbar_volume.hu.shape, sparse=True)
    for name, lps in BODY_CENTRES_LPS.items():
        kc, jc, ic = _kji(lumbar_volume, lps)
        sp = lumbar_volume.spacing_mm
        near = ((i - ic) * sp[0]) ** 2 + ((j - jc) * sp[1]) ** 2 + ((k - kc) * sp[2]) ** 2 <= 15.0 ** 2
        dense = near & (lumbar_volume.hu >= THRESHOLD_HU) & lumbar_body.mask
        assert bone[dense].mean() >= 0.99, (name, bone[dense].mean())


@pytest.mark.realdata
def test_the_default_surface_leaves_the_kidneys_out_and_all_shows_them(lumbar_volume, lumbar_body):
    """The coarse surface (the one drawn while the camera moves: fast to build here) of the default volume
    has no vertex within 10 mm of either kidney point; of the plain volume (the *All* box), one within 5 mm."""
    from vtkmodules.util import numpy_support

    def nearest_mm(volume):
        pts = numpy_support.vtk_to_numpy(coarse_bone_surface(volume, THRESHOLD_HU).GetPoints().GetData())
        return [float(np.min(np.linalg.norm(pts - np.asarray(p), axis=1))) for p in KIDNEY_LPS.values()]

    assert min(nearest_mm(skeleton_volume(lumbar_volume, THRESHOLD_HU, lumbar_body.mask))) > 10.0
    assert max(nearest_mm(lumbar_volume)) < 5.0


@pytest.mark.realdata
def test_the_t12_body_of_the_short_scan_is_kept(t11_t12_volume, t11_t12_body, t11_t12_spine):
    """The 20-slice scan's T12 (osteoporotic: 154 HU at its centre, a thin cortex): the voxels at or above
    the threshold within 15 mm of its body centre are kept, but for trabecular specks inside the body
    (pieces of a few voxels at 200-255 HU apart from the cortex, no voxel at 500 HU: 45 of 1107 here)."""
    v = t11_t12_volume
    bone = skeleton_mask(v, THRESHOLD_HU, t11_t12_body.mask)
    (centre,) = [g.body_centre_lps for g in t11_t12_spine.vertebrae]
    k, j, i = np.indices(v.hu.shape, sparse=True)
    kc, jc, ic = _kji(v, centre)
    sp = v.spacing_mm
    near = ((i - ic) * sp[0]) ** 2 + ((j - jc) * sp[1]) ** 2 + ((k - kc) * sp[2]) ** 2 <= 15.0 ** 2
    dense = near & (v.hu >= THRESHOLD_HU) & t11_t12_body.mask
    assert dense.sum() > 1000 and bone[dense].mean() >= 0.95


# --- a phantom with known parts ------------------------------------------------------------------------

def _phantom():
    """1 mm voxels, soft tissue 40 HU: a capped bone cylinder along z (radius 18 mm, a 3 mm cortex at 800 HU,
    marrow 150 HU: under the threshold), a kidney-like ellipsoid apart (220 HU), and an aorta-like cylinder
    (radius 5 mm, 250 HU) tangent to the bone (their axes 23 mm apart: one line of contact)."""
    k, j, i = np.indices((60, 80, 100)).astype(float)
    hu = np.full(k.shape, 40, np.int16)
    r_bone = np.hypot(i - 40, j - 40)
    in_bone = (r_bone <= 18) & (k >= 10) & (k <= 49)
    marrow = (r_bone <= 15) & (k >= 13) & (k <= 46)
    hu[in_bone] = 800
    hu[marrow] = 150
    aorta = np.hypot(i - 63, j - 40) <= 5
    hu[aorta] = 250
    kidney = ((i - 86) / 8) ** 2 + ((j - 62) / 12) ** 2 + ((k - 30) / 15) ** 2 <= 1
    hu[kidney] = 220
    volume = ImageVolume(hu=hu, spacing_mm=(1.0, 1.0, 1.0), origin_lps=(0.0, 0.0, 0.0))
    return volume, in_bone & ~aorta, marrow, aorta, kidney


def test_the_phantom_keeps_the_bone_and_leaves_the_kidney_and_the_aorta_out():
    volume, in_bone, marrow, aorta, kidney = _phantom()
    bone = skeleton_mask(volume, THRESHOLD_HU)
    cortex = in_bone & ~marrow
    assert not bone[kidney].any()
    # the aorta's voxels more than one voxel from the cortex are all out (its rim on the contact line
    # may stay: the one-voxel layer the erosion takes)
    from scipy import ndimage

    near_cortex = ndimage.binary_dilation(cortex, iterations=2)
    assert not bone[aorta & ~near_cortex].any()
    # the cortex is kept but for the voxels at the contact line (within 2 voxels of the aorta)
    near_aorta = ndimage.binary_dilation(aorta, iterations=2)
    assert bone[cortex & ~near_aorta].all()
    assert (cortex & near_aorta & ~bone).sum() < 0.02 * cortex.sum()
    # the filled mask holds the marrow (enclosed by the capped cortex), the plain one does not
    filled = filled_skeleton_mask(volume, THRESHOLD_HU)
    assert filled[marrow].all() and not bone[marrow].any()
    assert not filled[kidney].any()


def test_the_skeleton_volume_lowers_only_what_is_left_out():
    volume, in_bone, marrow, aorta, kidney = _phantom()
    out = skeleton_volume(volume, THRESHOLD_HU)
    changed = out.hu != volume.hu
    assert (out.hu[changed] == THRESHOLD_HU - 1).all()
    assert changed[kidney].all() and changed[in_bone & ~marrow].mean() < 0.02
    assert (out.hu >= THRESHOLD_HU).sum() == skeleton_mask(volume, THRESHOLD_HU).sum()


def test_the_largest_piece_is_bone_even_with_little_cortex():
    """An osteoporotic spine (no voxel at 500 HU) is still drawn: the largest piece is always kept."""
    from dataclasses import replace

    volume, in_bone, marrow, aorta, kidney = _phantom()
    hu = volume.hu.copy()
    hu[in_bone & ~marrow] = 300
    bone = skeleton_mask(replace(volume, hu=hu), THRESHOLD_HU)
    assert bone[in_bone & ~marrow].mean() > 0.98
    assert not bone[kidney].any()


def test_a_soft_tissue_threshold_leaves_nothing_out():
    """A surface below the bone range (the skin, for instance) is asked for on purpose: the kidney-like part
    and all stay in the volume the surface is made from."""
    volume, _in_bone, _marrow, _aorta, kidney = _phantom()
    out = skeleton_volume(volume, SKELETON_MIN_THRESHOLD_HU - 1.0)
    assert (out.hu == volume.hu).all()
