"""The neural foramina through the on-disk anatomy cache (planner/anatomy/cache_parts.py): what is read
back is exactly what :func:`find_foramina` finds, an entry belongs to one canal mask (an edited canal
never gets another canal's foramina), and a damaged entry is ignored with a message (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy import cache_parts
from planner.anatomy.cache import AnatomyCache, content_key
from planner.anatomy.foramina import find_foramina


def _same(a, b) -> None:
    assert len(a) == len(b)
    for f, g in zip(a, b):
        assert (f.level, f.side, f.box, f.height_mm) == (g.level, g.side, g.box, g.height_mm)
        assert f.local.dtype == g.local.dtype == bool and np.array_equal(f.local, g.local)
        assert f.centre_lps.dtype == g.centre_lps.dtype and np.array_equal(f.centre_lps, g.centre_lps)


@pytest.fixture(scope="module")
def fresh(lumbar_volume, lumbar_canal):
    found = find_foramina(lumbar_volume, lumbar_canal.mask)
    assert len(found) >= 4, "the lumbar scan has foramina on both sides of several levels"
    return found


def test_cached_foramina_equal_the_fresh_ones_and_are_read_not_recomputed(tmp_path, lumbar_volume, lumbar_canal,
                                                                          fresh, monkeypatch):
    cache = AnatomyCache(tmp_path, enabled=True)
    key = content_key(lumbar_volume)
    _same(cache_parts.foramina_cached(lumbar_volume, lumbar_canal.mask, cache, key), fresh)  # computed, written
    files = list(tmp_path.glob(f"{key}.foramina-*.npz"))
    assert len(files) == 1

    def boom(*a, **k):
        raise AssertionError("computed again although cached")
    monkeypatch.setattr(cache_parts, "find_foramina", boom)
    _same(cache_parts.foramina_cached(lumbar_volume, lumbar_canal.mask, cache, key), fresh)  # read back
    assert cache.messages == []


def test_an_edited_canal_gets_its_own_entry(tmp_path, lumbar_volume, lumbar_canal, fresh):
    cache = AnatomyCache(tmp_path, enabled=True)
    cache_parts.foramina_cached(lumbar_volume, lumbar_canal.mask, cache)
    edited = lumbar_canal.mask.copy()
    k = int(np.flatnonzero(edited.any(axis=(1, 2)))[len(fresh)])  # one canal slice removed
    edited[k] = False
    assert cache_parts.mask_digest(edited) != cache_parts.mask_digest(lumbar_canal.mask)
    _same(cache_parts.foramina_cached(lumbar_volume, edited, cache), find_foramina(lumbar_volume, edited))
    assert len(list(tmp_path.glob("*.foramina-*.npz"))) == 2


def test_a_tampered_entry_is_ignored_with_a_message(tmp_path, lumbar_volume, lumbar_canal, fresh):
    cache = AnatomyCache(tmp_path, enabled=True)
    cache_parts.foramina_cached(lumbar_volume, lumbar_canal.mask, cache)
    (path,) = tmp_path.glob("*.foramina-*.npz")
    with np.load(path) as z:
        items = {n: z[n] for n in z.files}
    items["centres_lps"] = items["centres_lps"] + 1.0  # the header and its checksum kept
    np.savez(path, **items)
    _same(cache_parts.foramina_cached(lumbar_volume, lumbar_canal.mask, cache), fresh)
    assert len(cache.messages) == 1 and "ignored" in cache.messages[0]


def test_no_canal_no_foramina_and_a_disabled_cache_writes_nothing(tmp_path, lumbar_volume):
    empty = np.zeros(lumbar_volume.hu.shape, bool)
    cache = AnatomyCache(tmp_path, enabled=True)
    assert cache_parts.foramina_cached(lumbar_volume, empty, cache) == []
    assert cache_parts.foramina_cached(lumbar_volume, empty, cache) == []  # the empty entry read back
    off = AnatomyCache(tmp_path / "off", enabled=False)
    assert cache_parts.foramina_cached(lumbar_volume, empty, off) == []
    assert not (tmp_path / "off").exists()
