"""Issue 13: S1's sectors stop at the spine; they do not run across a joint into the iliac wings.

On the shared lumbar scan, S1's sector map (3 mm slices, its frame tilted with the sacral promontory)
reaches slices z 134-152 mm, above the sacroiliac joints, where the iliac wings stand apart from the
spine in the slice (soft tissue between them, checked by eye on the axial slices k 16 and 20). The
lines x = -46 and x = +64 mm were drawn on those slices and cut through the right and left iliac wing.
Before the fix S1's sectors filled the iliac wings there up to the box's edge (x -54.8 to 72.0 mm), joined
to the sacrum across the joints in the slices below (planner/anatomy/sector_lateral.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.sector_lateral import LATERAL_IN_PLANE_MM, joined_in_plane
from planner.anatomy.sectors import LevelFrame, sector_map

pytestmark = pytest.mark.realdata

ABOVE_THE_JOINTS_K = range(16, 23)  # z 133.9-151.9 mm on the native scan
ILIAC_WINGS_X_MM = (-46.0, 64.0)  # patient's right wing below the first, left wing beyond the second


def test_s1_sectors_leave_the_iliac_wings_out(lumbar_volume, lumbar_spine, lumbar_canal):
    s1 = lumbar_spine.vertebra_named("S1")
    labels = sector_map(lumbar_volume, s1, lumbar_canal.mask).labels
    x0, sx = lumbar_volume.origin_lps[0], lumbar_volume.spacing_mm[0]
    assert np.allclose(lumbar_volume.direction, np.eye(3))  # x grows with the column index i
    in_wings = 0
    reached = 0
    for k in ABOVE_THE_JOINTS_K:
        _, i = np.nonzero(labels[k])
        reached += i.size
        x = x0 + i * sx
        in_wings += int(np.count_nonzero((x < ILIAC_WINGS_X_MM[0]) | (x > ILIAC_WINGS_X_MM[1])))
    assert reached > 0  # the map does reach those slices (its posterior elements)
    assert in_wings == 0


def test_lateral_bone_joined_only_across_slices_is_dropped():
    """Closed form on a toy box (1 mm columns, the mid-plane at x = 0): in slice 0 a bar from x -35 to +39 mm
    (bone within 30 mm of the plane, joined in the slice to its lateral ends); in slice 1 a block from x -45 to
    -35 mm, joined to the bar only through the voxel above it (x -35), as the ilium to the sacrum across the
    joint; and one voxel at x = -20 mm on its own in slice 1 (within 30 mm: kept)."""
    from planner.core.volume import ImageVolume

    volume = ImageVolume(hu=np.zeros((2, 5, 100), np.int16), spacing_mm=(1.0, 1.0, 3.0), origin_lps=(-50.0, 0.0, 0.0),
                         direction=np.eye(3))
    frame = LevelFrame("L3", np.zeros(3), np.eye(3), np.zeros(3), 26.0, 32.0)
    part = np.zeros((2, 5, 100), bool)
    part[0, 2, 15:90] = True  # x -35..39 mm
    part[1, 2, 5:16] = True  # x -45..-35 mm
    part[1, 2, 30] = True  # x -20 mm
    kept = joined_in_plane(volume, (slice(0, 2), slice(0, 5), slice(0, 100)), part, frame)
    assert LATERAL_IN_PLANE_MM == 30.0
    assert np.array_equal(kept[0], part[0])  # joined in its slice: kept whole, lateral ends included
    assert not kept[1, 2, 5:16].any()  # met across slices only: dropped
    assert kept[1, 2, 30] and kept.sum() == part[0].sum() + 1
