"""Running AND / OR of a boolean mask along one axis: the binary 1-D minimum / maximum filters that the
anatomy's in-plane openings and closings are built from (issue 13 speed), without scipy's per-line
buffers.

For a window of odd ``size = 2r + 1`` centred on each voxel, ``scipy.ndimage.minimum_filter1d`` and
``maximum_filter1d`` with ``mode="nearest"``, ``"reflect"`` or ``"mirror"`` extend the line with
copies of its own end values, which already lie in the window cut at the array's edge; so each equals
the AND (minimum) or OR (maximum) over the window clipped to the array. ``maximum_filter1d`` with
``mode="constant"``, ``cval=0`` pads with False, which does not change an OR: also the clipped window.
(A minimum with ``mode="constant"`` is not this: it erodes from the edge; use scipy for that.)

The clipped window is built by doubling: ``F_w[i]`` (the AND/OR over ``[i, i + w - 1]`` clipped) gives
``F_{w+s}[i] = F_w[i] op F_w[i + s]`` for ``s <= w`` (the two windows overlap: AND and OR are
idempotent), so ``r + 1`` is reached in about ``log2(r + 1)`` whole-array operations; the window
behind (``[i - r, i]``) the same way, and the centred window is the two combined. Small windows
(``r <= 4``) are the mask shifted by ``1..r`` each way instead (no temporaries).
``tests/anatomy/test_window_filters.py`` compares every function with scipy on random masks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["running_and", "running_or", "square_filter"]

#: Up to this half-width the window is the mask shifted by 1..r each way (2r operations); beyond it,
#: by doubling (about 4 log2(r + 1) operations, each with a temporary copy for its overlapping operands).
_DIRECT_MAX_R = 4


def _one_side(mask: np.ndarray, width: int, axis: int, op, ahead: bool) -> np.ndarray:
    """``op`` over ``[i, i + width - 1]`` (``ahead``) or ``[i - width + 1, i]``, clipped to the array."""
    out = np.array(mask, dtype=bool, copy=True)
    a = np.moveaxis(out, axis, 0)
    have, n = 1, a.shape[0]
    while have < width and have < n:  # once ``have`` covers the line, every window is clipped already
        step = min(have, width - have)  # 1 <= step <= have < n; numpy reads the inputs before writing
        if ahead:
            op(a[:-step], a[step:], out=a[:-step])
        else:
            op(a[step:], a[:-step], out=a[step:])
        have += step
    return out


def _centred(mask: np.ndarray, size: int, axis: int, op) -> np.ndarray:
    size = int(size)
    if size < 1 or size % 2 == 0:
        raise ValueError(f"the window size must be a positive odd number of voxels, not {size}")
    mask = np.asarray(mask, dtype=bool)
    if size == 1 or mask.size == 0:
        return mask.copy()
    r = size // 2
    if r <= _DIRECT_MAX_R:  # a few shifted copies of the mask itself (no overlapping operands)
        out = mask.copy()
        a, m = np.moveaxis(out, axis, 0), np.moveaxis(mask, axis, 0)
        for s in range(1, min(r, m.shape[0] - 1) + 1):
            op(a[s:], m[:-s], out=a[s:])
            op(a[:-s], m[s:], out=a[:-s])
        return out
    ahead = _one_side(mask, r + 1, axis, op, True)
    behind = _one_side(mask, r + 1, axis, op, False)
    return op(ahead, behind, out=ahead)


def running_and(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``scipy.ndimage.minimum_filter1d(mask, size, axis, mode="nearest")`` of a boolean mask (the
    same for ``"reflect"`` and ``"mirror"``); ``size`` odd."""
    return _centred(mask, size, axis, np.logical_and)


def running_or(mask: np.ndarray, size: int, axis: int) -> np.ndarray:
    """``scipy.ndimage.maximum_filter1d(mask, size, axis)`` of a boolean mask (any of the modes
    ``"reflect"``, ``"nearest"``, ``"mirror"``, ``"constant"`` with ``cval=0``); ``size`` odd."""
    return _centred(mask, size, axis, np.logical_or)


def square_filter(mask: np.ndarray, radius_px: int, grow: bool, axes: tuple[int, int] = (1, 2)) -> np.ndarray:
    """Dilation (``grow``) or erosion of ``mask`` by a (2r+1) x (2r+1) square in the plane of ``axes``,
    the array's edge treated as 'nearest' (an erosion does not eat in from it): the separable pair of
    :func:`running_or` / :func:`running_and`."""
    r = max(int(radius_px), 0)
    if r == 0:
        return np.array(mask, dtype=bool, copy=True)
    f = running_or if grow else running_and
    return f(f(mask, 2 * r + 1, axes[0]), 2 * r + 1, axes[1])
