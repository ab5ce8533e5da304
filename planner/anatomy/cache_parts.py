"""The automatic anatomy through the on-disk cache (:mod:`planner.anatomy.cache`): the spinal canal,
the body mask, the vertebrae and the neural foramina beside a canal, each computed once per series
content (and, for the foramina, per canal mask) and read back afterwards.

Each ``*_cached`` function gives exactly what the uncached function gives (the arrays and floats are
stored bit for bit; JSON keeps every float's ``repr``), and raises the same
:class:`~planner.core.errors.PlannerError` with the same words when the anatomy is not found (a
failure is cached too: a scan without a canal does not search for it on every run). ``cancel``
(:data:`planner.core.progress.Cancel`) goes to the computation; a cancelled one
(:class:`~planner.core.errors.LoadCancelled`) is never cached.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields

import numpy as np

from planner.anatomy.body import BodyMask, segment_body
from planner.anatomy.cache import AnatomyCache, CacheEntryError, default_cache, volume_key
from planner.anatomy.canal import CanalSegmentation, segment_canal
from planner.anatomy.foramina import Foramen, find_foramina
from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine import SpineResult, find_spine
from planner.core.errors import LoadCancelled, PlannerError
from planner.core.progress import Cancel
from planner.core.volume import ImageVolume

__all__ = ["volume_key", "canal_cached", "body_cached", "spine_cached", "foramina_cached", "mask_digest",
           "sectors_cached"]

def _through(volume, cache, key, part, compute, encode, decode):
    cache = cache if cache is not None else default_cache()
    if not cache.enabled:
        return compute()
    key = key or volume_key(volume)
    entry = cache.load(key, part)
    if entry is not None:
        arrays, meta = entry
        if "error" in meta:
            raise PlannerError(str(meta["error"]))
        try:
            return decode(arrays, meta)
        except (CacheEntryError, KeyError, TypeError, ValueError, IndexError) as exc:
            cache._note(f"The anatomy cache file {cache.path(key, part)} was ignored ({exc}); "
                        "the anatomy is computed again.")
    try:
        result = compute()
    except LoadCancelled:
        raise  # the user stopped it: nothing is known, nothing is stored
    except PlannerError as exc:
        cache.store(key, part, {}, {"error": str(exc)})
        raise
    arrays, meta = encode(result)
    cache.store(key, part, arrays, meta)
    return result


def _check(cond: bool, what: str) -> None:
    if not cond:
        raise CacheEntryError(what)


# --- spinal canal ------------------------------------------------------------------------------------
def canal_cached(volume: ImageVolume, cache: AnatomyCache | None = None, key: str | None = None,
                 cancel: Cancel | None = None) -> CanalSegmentation:
    """:func:`planner.anatomy.canal.segment_canal` (default parameters) through the cache."""
    shape = volume.hu.shape

    def encode(seg: CanalSegmentation):
        nz = [np.flatnonzero(seg.mask.any(axis=tuple(a for a in range(3) if a != ax))) for ax in range(3)]
        box = np.array([[n[0], n[-1] + 1] if n.size else [0, 0] for n in nz], dtype=np.int64)
        crop = seg.mask[box[0, 0]:box[0, 1], box[1, 0]:box[1, 1], box[2, 0]:box[2, 1]]
        return ({"box": box, "crop": crop, "centreline_lps": np.asarray(seg.centreline_lps, float)},
                {"closed_slices": int(seg.closed_slices), "interpolated_slices": int(seg.interpolated_slices),
                 "notes": list(seg.notes)})

    def decode(arrays, meta):
        box, crop, cl = arrays["box"], arrays["crop"], arrays["centreline_lps"]
        _check(box.shape == (3, 2) and crop.dtype == bool and crop.ndim == 3, "a malformed canal entry")
        _check(all(0 <= box[a, 0] <= box[a, 1] <= shape[a] and crop.shape[a] == box[a, 1] - box[a, 0]
                   for a in range(3)), "a canal box outside the volume")
        _check(cl.ndim == 2 and cl.shape[1] == 3, "a malformed centre line")
        mask = np.zeros(shape, dtype=bool)
        mask[box[0, 0]:box[0, 1], box[1, 0]:box[1, 1], box[2, 0]:box[2, 1]] = crop
        return CanalSegmentation(mask, cl, int(meta["closed_slices"]), int(meta["interpolated_slices"]),
                                 tuple(str(n) for n in meta["notes"]))

    return _through(volume, cache, key, "canal", lambda: segment_canal(volume, cancel=cancel), encode, decode)


# --- body mask -----------------------------------------------------------------------------------------
def body_cached(volume: ImageVolume, cache: AnatomyCache | None = None, key: str | None = None,
                cancel=None) -> BodyMask:
    """:func:`planner.anatomy.body.segment_body` (default parameters) through the cache; ``cancel``
    reaches inside it (issue 19; a cancelled search is not cached)."""

    def encode(body: BodyMask):
        return ({"coarse": body.coarse, "inner": body.inner},
                {"tissue_hu": float(body.tissue_hu), "order": [int(o) for o in body.order],
                 "factors": [int(f) for f in body.factors], "notes": list(body.notes)})

    def decode(arrays, meta):
        order, factors = tuple(int(o) for o in meta["order"]), tuple(int(f) for f in meta["factors"])
        _check(sorted(order) == [0, 1, 2] and len(factors) == 3 and min(factors) >= 1, "a malformed body entry")
        full = tuple(volume.hu.shape[a] for a in order)
        expected = tuple(-(-n // f) for n, f in zip(full, factors))
        coarse, inner = arrays["coarse"], arrays["inner"]
        _check(coarse.dtype == bool and inner.dtype == bool and coarse.shape == expected == inner.shape,
               "a body mask of another grid")
        return BodyMask(volume, float(meta["tissue_hu"]), coarse, inner, order, factors,
                        tuple(str(n) for n in meta["notes"]))

    return _through(volume, cache, key, "body", lambda: segment_body(volume, cancel=cancel), encode, decode)


# --- vertebrae -------------------------------------------------------------------------------------------
_LEVEL_FIELDS = tuple(f.name for f in fields(LevelGeometry))


def _tuples(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value


def _level_json(v: LevelGeometry) -> dict:
    out = {}
    for name in _LEVEL_FIELDS:
        value = getattr(v, name)
        if name == "name":
            out[name] = str(value)
        elif name == "complete":
            out[name] = bool(value)
        else:
            out[name] = None if value is None else _lists(value)
    return out


def _lists(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_lists(v) for v in value]
    return float(value)


def _level_from(d: dict) -> LevelGeometry:
    _check(isinstance(d, dict) and set(d) == set(_LEVEL_FIELDS), "a vertebra of another format")
    values = {name: (str(d[name]) if name == "name" else bool(d[name]) if name == "complete" else _tuples(d[name]))
              for name in _LEVEL_FIELDS}
    return LevelGeometry(**values)


def spine_cached(volume: ImageVolume, body: BodyMask | None, cache: AnatomyCache | None = None,
                 key: str | None = None, cancel: Cancel | None = None) -> SpineResult:
    """:func:`planner.anatomy.spine.find_spine` (default parameters) of ``volume`` with ``body`` through
    the cache (``body`` must be the volume's default body mask, as :func:`body_cached` gives)."""

    def encode(spine: SpineResult):
        return {}, {"vertebrae": [_level_json(v) for v in spine.vertebrae], "named": bool(spine.named),
                    "message": str(spine.message), "landmarks": [str(s) for s in spine.landmarks],
                    "rib_bearing": [bool(b) for b in spine.rib_bearing], "sacral": [bool(b) for b in spine.sacral]}

    def decode(arrays, meta):
        return SpineResult(tuple(_level_from(d) for d in meta["vertebrae"]), bool(meta["named"]), str(meta["message"]),
                           tuple(str(s) for s in meta["landmarks"]), tuple(bool(b) for b in meta["rib_bearing"]),
                           tuple(bool(b) for b in meta["sacral"]))

    return _through(volume, cache, key, "spine", lambda: find_spine(volume, body, cancel=cancel), encode, decode)


# --- neural foramina -------------------------------------------------------------------------------------
def mask_digest(mask: np.ndarray) -> str:
    """Hex SHA-256 of a boolean mask's shape and bits (``np.packbits``: 8x fewer bytes to hash)."""
    mask = np.asarray(mask, dtype=bool)
    h = hashlib.sha256(repr(tuple(mask.shape)).encode())
    h.update(np.packbits(mask, axis=None).tobytes())
    return h.hexdigest()


def foramina_cached(volume: ImageVolume, canal_mask: np.ndarray, cache: AnatomyCache | None = None,
                    key: str | None = None) -> list[Foramen]:
    """:func:`planner.anatomy.foramina.find_foramina` (default parameters, no level names) of ``volume``
    beside ``canal_mask`` through the cache. They depend on the canal as much as on the voxels, so the
    part is named after the canal mask's digest (:func:`mask_digest`): a canal edited by hand has its
    own entry, never another canal's foramina."""
    shape = volume.hu.shape

    def encode(found: list[Foramen]):
        arrays = {"boxes": np.array([[[sl.start, sl.stop] for sl in f.box] for f in found], dtype=np.int64).reshape(-1, 3, 2),
                  "centres_lps": np.array([np.asarray(f.centre_lps, float) for f in found]).reshape(-1, 3)}
        arrays.update({f"local_{n}": f.local for n, f in enumerate(found)})
        return arrays, {"levels": [str(f.level) for f in found], "sides": [str(f.side) for f in found],
                        "heights_mm": [float(f.height_mm) for f in found]}

    def decode(arrays, meta):
        boxes, centres = arrays["boxes"], arrays["centres_lps"]
        n = len(meta["sides"])
        _check(boxes.shape == (n, 3, 2) and centres.shape == (n, 3) and len(meta["levels"]) == n
               and len(meta["heights_mm"]) == n, "a malformed foramina entry")
        out = []
        for m in range(n):
            local = arrays[f"local_{m}"]
            box = tuple(slice(int(a), int(b)) for a, b in boxes[m])
            _check(local.dtype == bool and local.shape == tuple(sl.stop - sl.start for sl in box)
                   and all(0 <= sl.start <= sl.stop <= shape[a] for a, sl in enumerate(box)),
                   "a foramen outside the volume")
            out.append(Foramen(str(meta["levels"][m]), str(meta["sides"][m]), box, local, centres[m].copy(),
                               float(meta["heights_mm"][m])))
        return out

    cache = cache if cache is not None else default_cache()
    if not cache.enabled:
        return find_foramina(volume, canal_mask)
    return _through(volume, cache, key, f"foramina-{mask_digest(canal_mask)[:32]}",
                    lambda: find_foramina(volume, canal_mask), encode, decode)


# --- ISRC sectors present per vertebra ---------------------------------------------------------------
def sectors_cached(volume: ImageVolume, vertebrae, canal_mask: np.ndarray | None,
                   cache: AnatomyCache | None = None, key: str | None = None) -> list[list[int]]:
    """:func:`planner.anatomy.sector_presence.sectors_present_all` through the cache. The part is named
    after the canal mask's digest and the vertebrae's body centres and heights (a canal edited by hand
    or another set of vertebrae has its own entry)."""
    from planner.anatomy.sector_presence import sectors_present_all

    vertebrae = list(vertebrae)
    mask = np.zeros((1,), bool) if canal_mask is None else canal_mask
    h = hashlib.sha256(mask_digest(mask).encode())
    for v in vertebrae:
        h.update(np.asarray([*v.body_centre_lps, v.height_mm, v.depth_mm], float).tobytes())

    def encode(found: list[list[int]]):
        return {}, {"present": [[int(s) for s in row] for row in found]}

    def decode(arrays, meta):
        rows = meta["present"]
        _check(isinstance(rows, list) and len(rows) == len(vertebrae)
               and all(isinstance(r, list) and all(isinstance(s, int) and 1 <= s <= 6 for s in r) for r in rows),
               "a malformed sectors entry")
        return [list(r) for r in rows]

    return _through(volume, cache, key, f"sectors-{h.hexdigest()[:32]}",
                    lambda: sectors_present_all(volume, vertebrae, canal_mask), encode, decode)
