"""S1's body mask on the shared lumbar scan stays in the S1 body (issue 13: it was 81 mm deep, leaking into
the lower sacral segments).

Reference, read by eye (independent of the code) on the mid-sagittal slice i = 262 (x = 6.4 mm), bilinear,
bone window 0-700 HU, 5 mm grid in LPS y and z: S1's superior endplate (the edge facing the dark L5-S1
disc, L5 above and in front) runs from about (y, z) = (107, 111) to (131, 135) mm, 34 mm; the corners
of tests/anatomy/test_body_centres.py give 32.6 mm (AS-PS) and 31.2 mm (AI-PI). The body's
anteroposterior depth is measured by the code as the mask's extent along its frame's AP axis, which on the
lumbar bodies of that scan runs 1-3 mm over the endplate's length (L1-L4: 36-37.5 mm for 30-36 mm
endplates): the bound is 34 + 3 + 5 mm (the lower corners' uncertainty, test_body_centres.py) = 42 mm.
Below the body, the lower sacral segments run down and back along the sacrum's anterior surface (y 150-178,
z 88-105 on that slice): the mask must stay on S1's side of the line through the lower corners PI (152, 118)
and AI (128, 98), within 4 mm (their uncertainty, 3 mm, plus a voxel of the 1.5 mm grid).

Fixed by planner/anatomy/levels_sacrum.py (S1's axis from its superior endplate alone, the fused sacrum
below it); before, S1's frame leaned 29 degrees toward posterior where the endplate's normal leans about
45 degrees toward anterior, and the mask ran into S2 behind and L5 in front (docs/s1-body-leak.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.anatomy.test_body_centres import LUMBAR_CORNERS

pytestmark = pytest.mark.realdata

MAX_DEPTH_MM = 34.0 + 3.0 + 5.0
BELOW_TOLERANCE_MM = 4.0


@pytest.fixture(scope="module")
def s1_pass(lumbar_volume, lumbar_spine):
    from planner.anatomy.levels import detect_level_pass
    from planner.anatomy.spine import SpineParams

    s1 = lumbar_spine.vertebra_named("S1")
    assert s1 is not None, [v.name for v in lumbar_spine.vertebrae]
    # the body's own pass, again from its centre in its frame (the search's last pass is not kept)
    return s1, detect_level_pass(lumbar_volume, s1.body_centre_lps, "S1", SpineParams().level_params,
                                 frame_hint=np.asarray(s1.axes_lps))[1]


def test_s1_depth_is_the_body_depth(s1_pass):
    s1, result = s1_pass
    assert s1.depth_mm <= MAX_DEPTH_MM and result.depth_mm <= MAX_DEPTH_MM, (s1.depth_mm, result.depth_mm)


def test_s1_mask_stays_out_of_the_sacrum_below(s1_pass):
    _, result = s1_pass
    grid = result.grid
    iw, iv, iu = np.nonzero(result.body_mask)
    lps = grid.to_lps(np.stack([grid.u_mm[iu], grid.v_mm[iv], grid.w_mm[iw]], axis=1))
    pi, ai = (np.asarray(LUMBAR_CORNERS["S1"][k], float) for k in (2, 3))
    along = (pi - ai) / np.linalg.norm(pi - ai)
    below = np.array([along[1], -along[0]])  # toward the lower sacrum: larger y, smaller z
    assert np.dot(np.array([165.0, 95.0]) - ai, below) > 0  # S2 on that side (the slice read by eye)
    beyond = (lps[:, 1:] - ai) @ below
    assert beyond.max() <= BELOW_TOLERANCE_MM, beyond.max()
