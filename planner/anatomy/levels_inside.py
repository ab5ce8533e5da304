"""Which holes of a slice's bone lie inside the vertebral body's footprint (the body's own marrow, a lytic
lesion) and which only touch it (the spinal canal behind the posterior wall).

The body analysis (:mod:`planner.anatomy.levels_body`) fills the holes of the thresholded bone that lie in
the body, so that dark marrow or a lytic lesion counts as body. Filling ``holes & footprint`` fills also
the front of any hole the footprint overlaps: where the posterior wall is thin and the canal narrow (T11 of
the shared lumbar scan, 3 mm slices) the footprint's hull reaches a few millimetres into the canal, the
canal's front is filled, the next footprint's cut at the posterior wall moves back, and the body grows
over the canal and the neural arch (its centre 12.6 mm behind the body's middle). A hole of the body lies
within the body; the canal runs behind it, so most of its section lies outside the footprint: only the
holes with at least ``min_fraction`` of their area inside are filled.
"""

from __future__ import annotations

import numpy as np

from planner.core.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")

__all__ = ["holes_inside"]

#: In-plane connectivity only (4-neighbours): the holes of each slice of a ``[w, v, u]`` stack separately.
_PLANE = np.array([[[0, 0, 0], [0, 0, 0], [0, 0, 0]],
                   [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
                   [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], dtype=bool)


def holes_inside(holes: np.ndarray, footprint: np.ndarray, min_fraction: float = 0.8) -> np.ndarray:
    """The holes (a 2-D ``[v, u]`` mask or a ``[w, v, u]`` stack of slices) with at least ``min_fraction``
    of their area inside ``footprint`` (``[v, u]``, the same in every slice), whole; the others dropped."""
    holes = np.asarray(holes, dtype=bool)
    flat = holes.ndim == 2
    stack = holes[None] if flat else holes
    inside_fp = np.broadcast_to(np.asarray(footprint, dtype=bool), stack.shape)
    labels, n = ndimage.label(stack, structure=_PLANE)
    if n == 0:
        return np.zeros_like(holes)
    area = np.bincount(labels.ravel(), minlength=n + 1)
    within = np.bincount(labels[inside_fp].ravel(), minlength=n + 1)
    keep = within >= min_fraction * np.maximum(area, 1)
    keep[0] = False
    out = keep[labels]
    return out[0] if flat else out
