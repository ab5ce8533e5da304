"""On-disk anatomy cache (planner/anatomy/cache.py, cache_parts.py): a cached part is exactly the part
computed afresh; a corrupt, foreign or tampered file is ignored with a message and recomputed; writes
are atomic; the key follows the content (voxels and geometry), not the file names."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from planner.anatomy import cache_parts
from planner.anatomy.cache import AnatomyCache, cache_dir, cache_enabled, content_key
from planner.core.volume import ImageVolume


@pytest.fixture(scope="module")
def sample(sample_volume):
    return sample_volume  # loaded once per session (tests/conftest.py)


@pytest.fixture(scope="module")
def fresh(sample_canal, sample_body, sample_spine):
    """The anatomy of the sample computed by ``segment_canal``, ``segment_body`` and
    ``find_spine(sample, body)`` into an empty cache (the reference; once per session, tests/conftest.py)."""
    return sample_canal, sample_body, sample_spine


def _cache(tmp_path) -> AnatomyCache:
    return AnatomyCache(tmp_path / "cache", enabled=True)


def _same_spine(a, b) -> None:
    assert (a.named, a.message, a.landmarks, a.rib_bearing, a.sacral) == (b.named, b.message, b.landmarks,
                                                                        b.rib_bearing, b.sacral)
    assert len(a.vertebrae) == len(b.vertebrae)
    for u, v in zip(a.vertebrae, b.vertebrae):
        assert u == v  # dataclass equality: every field, floats exactly


def test_cached_parts_equal_the_fresh_ones(tmp_path, sample, fresh):
    canal, body, spine = fresh
    cache = _cache(tmp_path)
    key = content_key(sample)
    for _ in range(2):  # first run writes, second reads
        c = cache_parts.canal_cached(sample, cache, key)
        b = cache_parts.body_cached(sample, cache, key)
        s = cache_parts.spine_cached(sample, b, cache, key)
        assert np.array_equal(c.mask, canal.mask) and np.array_equal(c.centreline_lps, canal.centreline_lps)
        assert (c.closed_slices, c.interpolated_slices, c.notes) == (canal.closed_slices, canal.interpolated_slices,
                                                                     canal.notes)
        assert np.array_equal(b.coarse, body.coarse) and np.array_equal(b.inner, body.inner)
        assert (b.order, b.factors, b.tissue_hu) == (body.order, body.factors, body.tissue_hu)
        assert np.array_equal(b.mask, body.mask)
        _same_spine(s, spine)
    assert sorted(p.name.split(".")[1] for p in cache.folder.glob("*.npz")) == ["body", "canal", "spine"]
    assert not list(cache.folder.glob("*.tmp")), "a temporary file was left behind"
    assert cache.messages == []


def test_a_cached_entry_is_read_not_recomputed(tmp_path, sample, monkeypatch):
    cache = _cache(tmp_path)
    first = cache_parts.canal_cached(sample, cache)

    def boom(*a, **k):
        raise AssertionError("computed again although cached")
    monkeypatch.setattr(cache_parts, "segment_canal", boom)
    assert np.array_equal(cache_parts.canal_cached(sample, cache).mask, first.mask)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "tampered"])
def test_a_bad_cache_file_is_ignored_with_a_message(tmp_path, sample, fresh, damage):
    canal = fresh[0]
    cache = _cache(tmp_path)
    key = content_key(sample)
    cache_parts.canal_cached(sample, cache, key)
    path = cache.path(key, "canal")
    if damage == "garbage":
        path.write_bytes(b"not a cache file at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "foreign":  # a valid entry of another series, copied under this key
        other = "0" * 64
        cache.store(other, "canal", {"box": np.zeros((3, 2), np.int64), "crop": np.zeros((0, 0, 0), bool),
                                     "centreline_lps": np.zeros((0, 3))},
                    {"closed_slices": 0, "interpolated_slices": 0, "notes": []})
        os.replace(cache.path(other, "canal"), path)
    else:  # the arrays changed, the header (and its checksum) kept
        with np.load(path) as z:
            items = {n: z[n] for n in z.files}
        items["centreline_lps"] = items["centreline_lps"] + 1.0
        np.savez(path, **items)
    again = cache_parts.canal_cached(sample, cache, key)
    assert np.array_equal(again.mask, canal.mask)
    assert len(cache.messages) == 1 and str(path) in cache.messages[0] and "ignored" in cache.messages[0]
    # recomputed and written back: the next read is clean
    cache.messages.clear()
    cache_parts.canal_cached(sample, cache, key)
    assert cache.messages == []


def test_the_key_follows_the_content(sample):
    key = content_key(sample)
    assert content_key(ImageVolume(sample.hu.copy(), sample.spacing_mm, sample.origin_lps, sample.direction)) == key
    hu = sample.hu.copy()
    hu.flat[12345] += 1
    assert content_key(ImageVolume(hu, sample.spacing_mm, sample.origin_lps, sample.direction)) != key
    sp = (sample.spacing_mm[0], sample.spacing_mm[1], sample.spacing_mm[2] * 1.01)
    assert content_key(ImageVolume(sample.hu, sp, sample.origin_lps, sample.direction)) != key
    shifted = tuple(np.add(sample.origin_lps, (0.0, 0.0, 1.0)))
    assert content_key(ImageVolume(sample.hu, sample.spacing_mm, shifted, sample.direction)) != key
    flipped = np.diag([1.0, 1.0, -1.0]) @ np.asarray(sample.direction)
    assert content_key(ImageVolume(sample.hu, sample.spacing_mm, sample.origin_lps, flipped)) != key


def test_disabled_by_the_environment(tmp_path, sample, monkeypatch):
    monkeypatch.setenv("SPINE_PLANNER_CACHE_DIR", str(tmp_path / "env-cache"))
    monkeypatch.setenv("SPINE_PLANNER_NO_CACHE", "1")
    assert not cache_enabled() and cache_dir() == tmp_path / "env-cache"
    cache = AnatomyCache()
    assert not cache.enabled
    cache_parts.body_cached(sample, cache)
    assert not (tmp_path / "env-cache").exists()
    monkeypatch.setenv("SPINE_PLANNER_NO_CACHE", "0")
    assert AnatomyCache().enabled


def test_an_unwritable_folder_costs_only_a_message(tmp_path, sample):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    cache = AnatomyCache(blocker / "cache", enabled=True)
    body = cache_parts.body_cached(sample, cache)
    assert body.volume_ml > 0
    assert len(cache.messages) == 1 and "could not be written" in cache.messages[0]


def test_header_is_plain_json_without_pickles(tmp_path, sample):
    cache = _cache(tmp_path)
    key = content_key(sample)
    cache_parts.body_cached(sample, cache, key)
    with np.load(cache.path(key, "body"), allow_pickle=False) as z:
        header = json.loads(bytes(z["__header__"]).decode())
        assert z["coarse"].dtype == np.uint8  # bit-packed
    assert header["key"] == key and header["part"] == "body" and set(header["packed"]) == {"coarse", "inner"}


def test_the_cache_is_trimmed_least_recently_used_first(tmp_path):
    cache = AnatomyCache(tmp_path / "cache", enabled=True, max_bytes=3 * 20_000)
    blob = {"x": np.zeros(19_000, np.uint8)}  # about 19 kB per entry
    for n in range(3):
        assert cache.store(f"{n:064d}", "body", blob, {})
        os.utime(cache.path(f"{n:064d}", "body"), (1000.0 + n, 1000.0 + n))
    assert cache.load(f"{0:064d}", "body") is not None  # read: now the most recently used
    assert cache.store(f"{3:064d}", "body", blob, {})
    left = sorted(p.name[:64].lstrip("0") or "0" for p in cache.folder.glob("*.npz"))
    assert left == ["0", "2", "3"]  # entry 1, the least recently used, went
