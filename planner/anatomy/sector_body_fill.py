"""The vertebral body's cross-sections filled in a sector map (:mod:`planner.anatomy.sectors`, method
step 3): the per-slice convex hull of the body sector, inside the body's footprint.

Works on any label array (the whole CT grid or the box a sector map is made in,
:func:`planner.anatomy.sectors.sector_labels_in_box`): every step is local to the body's voxels (the
hull's bounding box, the footprint's dilation of the hulls' count), so a box holding the labelled
voxels gives the same result as the whole grid.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

#: Sector 1, the vertebral body (ISRC numbering, :data:`planner.anatomy.sectors.SECTOR_NAMES`).
BODY = 1

__all__ = ["fill_body_sections"]


def fill_body_sections(labels: np.ndarray, canal_mask: np.ndarray | None = None, pixel_mm: float | None = None,
                       footprint_fraction: float = 0.5, footprint_grow_mm: float = 2.0,
                       offset_ji: tuple[int, int] = (0, 0)) -> None:
    """In place: on each axial slice, the convex hull of the body sector's voxels is body (sector 1),
    except the canal, voxels already in another sector, and (with ``pixel_mm``, the in-plane voxel
    size) voxels outside the body's footprint.

    A vertebral body's cross-section is convex up to the posterior wall, where the sectors cut it
    (method step 3). The bone threshold finds its cortex, but fatty, low-density marrow (osteoporotic
    bone: 60-180 HU in the T12 body of the 20-slice T11-T12 scan, below ``bone_hu``) stays outside
    when the thin posterior wall is missed too, so the ring cannot be filled as a hole; the hull fills
    it (docs/ctv.md, "Independent check").

    Bone that touches the body on a few slices only (a calcified aortic wall in front, a rib head or
    an osteophyte at a posterolateral corner) would make the hull bridge the soft tissue between it
    and the body. The footprint is where at least ``footprint_fraction`` of the slices' hulls lie
    (the body's cross-section changes little from slice to slice), grown by ``footprint_grow_mm`` (the
    waist of a body is a few millimetres narrower than its endplates); the hull adds nothing outside
    it. The bone voxels themselves keep their sector.

    ``offset_ji``: the (row, column) of ``labels``' first voxel on the CT grid when ``labels`` is a box
    of it: the hulls are computed in the grid's own coordinates, so a box gives exactly the whole
    grid's result (Qhull's rounding is not translation-invariant).
    """
    from scipy.spatial import ConvexHull, Delaunay, QhullError

    canal = None if canal_mask is None else np.asarray(canal_mask, bool)
    oj, oi = (int(o) for o in offset_ji)
    added = []
    for k in np.nonzero((labels == BODY).any(axis=(1, 2)))[0]:
        jj, ii = np.nonzero(labels[k] == BODY)
        if jj.size < 10:
            continue
        pts = np.stack([jj + oj, ii + oi], axis=1).astype(float)
        try:
            tri = Delaunay(pts[ConvexHull(pts).vertices])
        except QhullError:  # all in a line
            continue
        j0, j1, i0, i1 = jj.min(), jj.max() + 1, ii.min(), ii.max() + 1
        gj, gi = np.mgrid[j0:j1, i0:i1]
        query = np.stack([gj.ravel() + oj, gi.ravel() + oi], 1).astype(float)
        inside = (tri.find_simplex(query) >= 0).reshape(gj.shape)
        add = inside & (labels[k, j0:j1, i0:i1] == 0)
        if canal is not None:
            add &= ~canal[k, j0:j1, i0:i1]
        added.append((k, (slice(j0, j1), slice(i0, i1)), add, inside))
    if pixel_mm is not None and added:
        count = np.zeros(labels.shape[1:], np.int32)
        for _, box, _, inside in added:
            count[box] += inside
        r = max(int(round(footprint_grow_mm / pixel_mm)), 0)
        yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
        footprint = ndimage.binary_dilation(count >= footprint_fraction * len(added), structure=yy**2 + xx**2 <= r * r)
        added = [(k, box, add & footprint[box], inside) for k, box, add, inside in added]
    for k, box, add, _ in added:
        labels[k][box][add] = BODY
