"""Issue 15: a needle-aligned view's plane is worked out once per needle position and scroll (a paint
asks for it many times), and a slice source hands back its cached slice at once for the very plane
object it last checked; neither ever returns a stale plane or slice. No Qt needed."""

from __future__ import annotations

import numpy as np

from planner.geometry.needle_planes import ALONG_SIDE, ALONG_UP, PROBE, needle_plane
from planner.render.plane_sources import NeedleSource
from tests.ui.helpers import marker_volume


def _same_plane(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("origin_lps", "u_lps", "v_lps"))


def test_the_plane_is_the_one_a_direct_computation_gives_after_every_change():
    volume, centre = marker_volume()
    entry, tip = centre + np.array([-20.0, 25.0, 3.0]), centre
    for kind in (ALONG_SIDE, ALONG_UP, PROBE):
        source = NeedleSource(kind)
        source.set_volume(volume)
        source.set_needle(entry, tip)
        first = source.plane()
        assert source.plane() is first  # asked again with nothing changed: the same object
        assert _same_plane(first, needle_plane(kind, entry, tip, source.depth_mm, source.offset_mm))
        moved = tip + np.array([0.5, 0.0, 0.0])
        source.set_needle(entry, moved)  # a drag step
        assert _same_plane(source.plane(), needle_plane(kind, entry, moved, source.depth_mm, source.offset_mm))
        assert not _same_plane(source.plane(), first)
        source.scroll(3, step_mm=1.0)  # the along-planes move sideways, the probe plane along the needle
        assert _same_plane(source.plane(), needle_plane(kind, entry, moved, source.depth_mm, source.offset_mm))


def test_the_cached_slice_follows_the_plane_the_draft_flag_and_a_forced_rebuild():
    volume, centre = marker_volume()
    source = NeedleSource(ALONG_SIDE)
    source.set_volume(volume)
    source.set_needle(centre + np.array([-20.0, 25.0, 3.0]), centre)
    first = source.slice(None)
    assert source.slice(None) is first
    source.draft = True  # a drag's half-resolution slice
    draft = source.slice(None)
    assert draft is not first and draft.da_mm > first.da_mm
    source.draft = False
    again = source.slice(None)
    assert again is not draft and again.da_mm == first.da_mm
    source._cache_key = None  # what a test's "fresh render" does: the slice is computed again
    rebuilt = source.slice(None)
    assert rebuilt is not again and np.array_equal(rebuilt.pixels, again.pixels)
    source.set_needle(centre + np.array([-20.0, 25.0, 3.0]), centre + np.array([0.0, 0.0, 2.0]))
    assert source.slice(None) is not rebuilt  # a new needle position: a new slice
