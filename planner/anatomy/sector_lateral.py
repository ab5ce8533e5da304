"""Bone far to the side of a vertebra belongs to it only through its own slice (issue 13, S1's sectors).

The vertebra mask of :mod:`planner.anatomy.sectors` is the 3-D connected bone around the body centre. On
3 mm slices an oblique joint connects two bones across slices: the sacrum's voxel in one slice lies over
the ilium's in the next, so S1's sectors on the shared lumbar scan ran across both sacroiliac joints into
the iliac wings (9.5 and 10.1 mL lateral of the joints, read by eye at x < -45 and x > 60 mm), and rib
pieces joined thoracic vertebrae. Bone further than :data:`LATERAL_IN_PLANE_MM` from the mid-sagittal
plane is kept only where it is connected, within its own axial slice of the box, to the vertebra's bone
nearer the plane: transverse processes and sacral alae are (they leave the pedicles and the body in the
slice), a bone met across a joint in the next slice is not.

30 mm: the canal is about 23 mm wide between the pedicles and a pedicle 7-10 mm wide (DOMAIN.md), so the
pedicles' outer walls lie about 12-22 mm from the mid-plane and the facets near them; beyond 30 mm lie
the transverse processes, the alae and what is not the vertebra. On the shared lumbar scan the rule
leaves every sector of L1-L5 within 0.03 mL; S1 keeps 5.3 and 5.1 mL lateral of the joints (the slices
where the smoothed bone bridges the joint itself), and T6-T12 lose rib pieces (0.2-2 mL a side).
"""

from __future__ import annotations

import numpy as np

from planner.anatomy.sector_boxes import Box, box_voxels
from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

#: Distance from the mid-sagittal plane (mm) beyond which bone must join the vertebra in its own slice.
LATERAL_IN_PLANE_MM = 30.0
_IN_PLANE = np.zeros((3, 3, 3), bool)
_IN_PLANE[1] = True  # 8-connected within a slice of the box's [k, j, i] arrays


def joined_in_plane(volume, box: Box, part: np.ndarray, level_frame) -> np.ndarray:
    """``part`` (the vertebra's bone in ``box``) without its lateral bone (see the module docstring) that
    no axial slice connects to its bone within :data:`LATERAL_IN_PLANE_MM` of ``level_frame``'s mid-plane."""
    (k, j, i), lps = box_voxels(volume, box, part)
    if k.size == 0:
        return part
    near = np.abs(level_frame.local(lps)[:, 0]) <= LATERAL_IN_PLANE_MM
    labels, n = ndimage.label(part, _IN_PLANE)
    keep = np.zeros(n + 1, bool)
    keep[labels[k[near], j[near], i[near]]] = True
    keep[0] = False
    return keep[labels]
