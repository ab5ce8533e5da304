"""The canal's distance maps kept between calls of the search (issue 17).

Every reachability map and every proposal for a level built the same two maps again: the zones'
clearance map (:class:`planner.planning.reach.CanalDistance`, a Euclidean distance transform of the
canal on a box about the level) and the needles' map to the canal's sub-voxel surface
(:class:`planner.planning.needle_canal.CanalSurfaceDistance`); on the sample L2 about a sixth of the
reachability map's time. A map is a function of what it is computed from and nothing else, so it is
kept under a key holding all of it: the kind of map, the box (voxel slices), the grid (voxel to LPS
affine, so the spacing and the direction) and a digest (BLAKE2b, 128 bits) of the arrays it reads
inside the box, the canal mask and, for the surface map, the CT's values. Another canal, a CT edited
in the box, another box or another grid give another key, so a stale map is never returned. The few
most recent maps are kept (:data:`MAX_MAPS`); they are returned read-only (callers only read them).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Callable

import numpy as np

__all__ = ["MAX_MAPS", "cached_map", "clear", "digest", "map_key"]

#: Maps kept (the two kinds for two levels or two canals; a map is a few MB).
MAX_MAPS = 4

_lock = threading.Lock()
_maps: OrderedDict = OrderedDict()


def digest(*arrays: np.ndarray) -> str:
    """BLAKE2b digest of the arrays' dtypes, shapes and values (in C order)."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.view(np.uint8).reshape(-1) if a.dtype == bool else a.reshape(-1).view(np.uint8))
    return h.hexdigest()


def map_key(kind: str, volume, box, *arrays: np.ndarray) -> tuple:
    """The key of a map of ``kind`` on ``box`` (k, j, i slices) of ``volume``'s grid from ``arrays``."""
    bounds = tuple((int(s.start), int(s.stop)) for s in box)
    affine = np.asarray(volume.ijk_to_lps, float)
    return kind, bounds, volume.hu.shape, affine.tobytes(), digest(*arrays)


def cached_map(key: tuple, build: Callable[[], np.ndarray]) -> np.ndarray:
    """The map under ``key``, built by ``build()`` the first time (then kept, read-only)."""
    with _lock:
        hit = _maps.get(key)
        if hit is not None:
            _maps.move_to_end(key)
            return hit
    value = build()
    value.setflags(write=False)
    with _lock:
        _maps[key] = value
        _maps.move_to_end(key)
        while len(_maps) > MAX_MAPS:
            _maps.popitem(last=False)
    return value


def clear() -> None:
    """Forget every kept map (the bench measures the search without them: its first call)."""
    with _lock:
        _maps.clear()
