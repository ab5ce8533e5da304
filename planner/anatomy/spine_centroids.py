"""Centroids for the automatic spine search (planner/anatomy/spine.py) without whole-volume
temporaries: the same numbers as ``scipy.ndimage.center_of_mass`` and ``np.argwhere(...).mean``
(integer index sums are exact in float64; tests/anatomy/test_sample_kernels_speed.py)."""

from __future__ import annotations

import numpy as np

__all__ = ["label_centres", "mask_centroid"]


def label_centres(mask: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """(n, 3) centroids (array index) of labels 1..n: ``scipy.ndimage.center_of_mass(mask, labels,
    1..n)``, the same numbers (both sum integer indices exactly in float64 and divide once), from the
    labelled voxels only instead of three whole-volume products."""
    where = np.nonzero(labels)
    lab = labels[where]
    count = np.bincount(lab, minlength=n + 1)[1:].astype(float)
    return np.stack([np.bincount(lab, weights=w.astype(float), minlength=n + 1)[1:] / count for w in where], axis=1)


def mask_centroid(mask: np.ndarray) -> np.ndarray:
    """``np.argwhere(mask).mean(axis=0)`` (the same numbers: integer index sums are exact in float64)
    from per-axis counts, without the (n, 3) index array."""
    total = int(mask.sum())
    out = np.empty(mask.ndim)
    for axis in range(mask.ndim):
        counts = mask.sum(axis=tuple(a for a in range(mask.ndim) if a != axis), dtype=np.int64)
        out[axis] = float(np.dot(counts, np.arange(counts.size, dtype=np.int64))) / total
    return out
