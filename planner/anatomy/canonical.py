"""The same voxels in the patient's own axis order, so that the automatic spine search does not depend on
how the scanner stored them (issue 13: "prone, supine, lateral and feet-first scans").

A scan's array order follows Image Orientation (Patient) (0020,0037) and the slice order: a feet-first
scan stores the slices head to feet, a prone scan's rows run toward the patient's right, a lateral
decubitus scan's rows run along the patient's anterior-posterior axis. The spine search samples a coarse
grid along the array axes and takes one candidate per coarse slice (:func:`planner.anatomy.spine.seed_track`),
so different layouts of the same patient gave other seeds and bodies up to 6 mm apart
(tests/anatomy/test_orientations.py). When the direction matrix is a signed permutation (every axis-aligned
acquisition), :func:`canonical_layout` re-stores the voxels, exactly, with the columns toward the patient's
left (LPS +x), the rows toward posterior (+y) and the slices toward the head (+z): every layout of the same
voxels then gives the same array. An oblique scan (gantry tilt, rotated orientation) is returned as it is.
"""

from __future__ import annotations

import numpy as np

from planner.core.volume import ImageVolume

__all__ = ["canonical_layout", "signed_permutation"]


def signed_permutation(direction, tol: float = 1e-4) -> tuple[list[int], np.ndarray] | None:
    """For each LPS axis r the ijk axis ``perm[r]`` along it and the sign; None when the direction is not
    a signed permutation (within ``tol``)."""
    d = np.asarray(direction, float).reshape(3, 3)
    perm = [int(np.argmax(np.abs(d[r]))) for r in range(3)]
    if sorted(perm) != [0, 1, 2]:
        return None
    main = d[np.arange(3), perm]
    off = d.copy()
    off[np.arange(3), perm] = 0.0
    if np.any(np.abs(np.abs(main) - 1.0) > tol) or np.any(np.abs(off) > tol):
        return None
    return perm, np.sign(main)


def canonical_layout(volume: ImageVolume) -> ImageVolume:
    """``volume`` re-stored with i toward LPS +x, j toward +y, k toward +z (see the module text); the
    volume itself when it already is, or when its direction is not a signed permutation."""
    found = signed_permutation(volume.direction)
    if found is None:
        return volume
    perm, signs = found
    if perm == [0, 1, 2] and np.all(signs > 0):
        return volume
    # array axes are [k, j, i]: the old ijk axis c is array axis 2 - c
    hu = np.transpose(volume.hu, [2 - perm[2], 2 - perm[1], 2 - perm[0]])
    for r in range(3):
        if signs[r] < 0:
            hu = np.flip(hu, axis=2 - r)
    shape_ijk = np.array(volume.shape_ijk)
    old_first = np.zeros(3)
    for r in range(3):
        old_first[perm[r]] = 0.0 if signs[r] > 0 else shape_ijk[perm[r]] - 1
    origin = volume.to_lps(old_first)
    direction = np.asarray(volume.direction, float)[:, perm] * signs[None, :]
    spacing = tuple(float(volume.spacing_mm[perm[r]]) for r in range(3))
    return ImageVolume(hu=np.ascontiguousarray(hu), spacing_mm=spacing, origin_lps=tuple(float(c) for c in origin),
                       direction=direction, info=volume.info)
