"""``levels[].sectors_present`` (planner.anatomy.sector_presence): which ISRC sectors a vertebra shows.

Expected values: the sample's phantom model (its own parts, tests/planning/phantom_sectors.py) and
anatomy (a whole lumbar vertebra has a body, two pedicles, two laminae with transverse processes and a
spinous process; Cox et al. 2012, Fig. 1)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from planner.anatomy import sector_presence
from planner.anatomy.cache import AnatomyCache
from planner.anatomy.cache_parts import sectors_cached
from planner.anatomy.levels import detect_level
from planner.anatomy.sector_presence import sectors_present
from planner.phantom.labels import VERTEBRA_LABELS
from tests.planning.phantom_sectors import reference_sectors

ALL_SIX = [1, 2, 3, 4, 5, 6]
LUMBAR = ("L1", "L2", "L3", "L4", "L5")


def test_a_whole_vertebra_of_the_phantom_shows_all_six(sample, sample_l2):
    volume, labels, _, canal = sample
    assert sorted(set(np.unique(reference_sectors(labels, volume, "L2"))) - {0}) == ALL_SIX  # the model's parts
    assert sectors_present(volume, sample_l2, canal) == ALL_SIX


def test_a_right_arch_taken_out_is_reported_missing(sample, sample_l2):
    """Every vertebra's right pedicle and right lamina/transverse process (the model's sectors 5 and 6)
    replaced by muscle (40 HU): L2 keeps sectors 1-4 and shows neither 5 nor 6."""
    volume, labels, _, canal = sample
    hu = volume.hu.copy()
    for name in VERTEBRA_LABELS:
        ref = reference_sectors(labels, volume, name)
        hu[(ref == 5) | (ref == 6)] = 40
    cut = replace(volume, hu=hu)
    assert sectors_present(cut, sample_l2, canal) == [1, 2, 3, 4]


def test_every_lumbar_vertebra_of_the_real_scan_shows_all_six(lumbar_volume, lumbar_spine, lumbar_canal):
    named = {v.name: v for v in lumbar_spine.vertebrae}
    levels = [named[n] for n in LUMBAR]
    assert sector_presence.sectors_present_all(lumbar_volume, levels, lumbar_canal.mask) == [ALL_SIX] * 5


def test_the_cache_gives_what_it_stored_and_does_not_map_again(sample, sample_l2, tmp_path, monkeypatch):
    volume, _, lm, canal = sample
    l1 = detect_level(volume, lm["vertebrae"]["L1"]["body_centre_lps"], "L1")
    cache = AnatomyCache(tmp_path, enabled=True)
    first = sectors_cached(volume, [sample_l2, l1], canal, cache, key="sample")
    assert first == [sectors_present(volume, v, canal) for v in (sample_l2, l1)]

    def no_mapping(*args, **kwargs):
        raise AssertionError("mapped again although the answer is cached")

    monkeypatch.setattr(sector_presence, "sectors_present_all", no_mapping)
    assert sectors_cached(volume, [sample_l2, l1], canal, cache, key="sample") == first
    # another canal is another entry: computed, not read from the first one's
    monkeypatch.undo()
    other = np.zeros_like(canal)
    assert sectors_cached(volume, [sample_l2], other, cache, key="sample") == [sectors_present(volume, sample_l2, other)]
    assert len(list(tmp_path.glob("sample.sectors-*.npz"))) == 2
