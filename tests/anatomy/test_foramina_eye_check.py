"""Every foramen found on the shared TCIA lumbar scan against an eye check (issue 13, docs/foramina-check.md).

The renders (docs/foramina_renders.py: axial through each mask, and parasagittal slices through each
side's foramina line, 3-voxel mean, bone window) were looked at slice by slice, k = axial slice index
sorted feet to head (3 mm). On the parasagittal images the pedicles and facets of each side form a bony
column with dark "keyholes" between them, 8-9 slices apart above T11 (a thoracic segment with its disc,
about 25 mm) and 10-12 slices apart in the lumbar spine; the automatic vertebrae on this scan: S1 k12,
L5 k20, L4 k32, L3 k44, L2 k56, L1 k68, T12 k78, T11 k88 (nothing is found above T11).

EYE lists what was seen: (side, first and last slice of the dark gap between the two pedicles (or of the
channel beside the sacral canal), the name it must carry, the judgement). The k ranges are the eye's,
not the detector's.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.foramina import find_foramina

pytestmark = pytest.mark.realdata

FORAMEN, SACRAL, DOUBTFUL = "foramen", "sacral root canal", "doubtful"
EYE = (
    # above T11: foramina by position (T5-T6 ... T10-T11 counting 8-9 slices per segment up from T11),
    # unnamed because no vertebra above T11 is found
    ("right", 132, 133, "", FORAMEN),  # T5-T6, cut by the scan's top
    ("right", 125, 127, "", FORAMEN),  # T6-T7
    ("left", 124, 128, "", FORAMEN),  # T6-T7: ONE gap between pedicles at k 121-124 and k 128-131
    ("right", 117, 120, "", FORAMEN),  # T7-T8
    ("left", 118, 121, "", FORAMEN),
    ("right", 108, 112, "", FORAMEN),  # T8-T9
    ("left", 108, 112, "", FORAMEN),
    ("right", 100, 103, "", FORAMEN),  # T9-T10
    ("left", 100, 103, "", FORAMEN),
    ("right", 92, 95, "", FORAMEN),  # T10-T11, at the rib heads
    ("left", 93, 95, "", FORAMEN),
    # T11-T12 to L4-L5: named by the vertebrae around them
    ("right", 83, 86, "T11-T12", FORAMEN),
    ("left", 83, 86, "T11-T12", FORAMEN),
    ("right", 72, 76, "T12-L1", FORAMEN),
    ("left", 72, 76, "T12-L1", FORAMEN),
    ("right", 60, 66, "L1-L2", FORAMEN),
    ("left", 60, 66, "L1-L2", FORAMEN),
    ("right", 48, 55, "L2-L3", FORAMEN),
    ("left", 49, 56, "L2-L3", FORAMEN),
    ("right", 37, 44, "L3-L4", FORAMEN),
    ("left", 37, 44, "L3-L4", FORAMEN),
    ("right", 27, 31, "L4-L5", FORAMEN),
    ("left", 27, 31, "L4-L5", FORAMEN),  # found on its top slice only (k 31)
    # in the sacrum (below the S1 body's centre): the S1 roots' channels from the lateral sacral canal toward
    # the S1 foramina (the round anterior S1 foramina lie just in front, k 8), and lower the S2 root's
    ("right", 11, 12, "", SACRAL),
    ("left", 11, 12, "", SACRAL),
    ("right", 5, 8, "", SACRAL),
    ("left", 5, 8, "", SACRAL),
    ("right", 2, 3, "", SACRAL),  # the left one is not found (its probe reads 0.40-0.44 bone)
    ("right", 0, 0, "", DOUBTFUL),  # on the scan's last slice: cannot be judged
)
#: Seen but not found: the L5-S1 foramina (between the L5 pedicle, k 19-22, and S1): the probe beside the
#: canal reads 0.65-1.0 bone on every slice k 13-27 of both sides (the S1 superior facet and the ala).
MISSED = (("right", "L5-S1"), ("left", "L5-S1"))


@pytest.fixture(scope="module")
def found(lumbar_volume, lumbar_canal, lumbar_spine):
    levels = [(v.name, v.body_centre_lps) for v in lumbar_spine.vertebrae if v.name]
    out = []
    for f in find_foramina(lumbar_volume, lumbar_canal.mask, levels):
        k = f.points_kji()[:, 0]
        out.append((f.side, int(k.min()), int(k.max()), f.level))
    return out


def _match(found, side, lo, hi):
    """Found foramina of ``side`` whose slices all lie within the eye's range widened by one slice."""
    return [f for f in found if f[0] == side and lo - 1 <= f[1] and f[2] <= hi + 1]


def test_every_foramen_seen_is_found_once_at_its_level_and_side(found):
    for side, lo, hi, name, _what in EYE:
        hits = _match(found, side, lo, hi)
        assert len(hits) == 1, (side, lo, hi, hits)
        assert hits[0][3] == name, (side, lo, hi, hits)


def test_nothing_is_found_that_the_eye_did_not_see(found):
    unexplained = [f for f in found if not any(_match([f], s, lo, hi) for s, lo, hi, _n, _w in EYE)]
    assert not unexplained
    assert len(found) == len(EYE)


def test_the_known_misses_are_still_missing(found):
    """Not a goal, a record: when the detector learns L5-S1 this test says so, and the table gains the rows."""
    names = {(f[0], f[3]) for f in found}
    assert not names & set(MISSED)


def test_the_rule_joins_a_foramen_split_by_one_transition_slice():
    from planner.anatomy.foramina import _merge_split_runs

    pedicle = np.zeros(12, bool)
    pedicle[[0, 1, 9, 10]] = True
    # k 4 and k 6 open, k 5 a transition slice: one foramen; a pedicle slice between two runs keeps two
    assert _merge_split_runs([(4, 5), (6, 7)], pedicle, 3) == [(4, 7)]
    pedicle[5] = True
    assert _merge_split_runs([(4, 5), (6, 7)], pedicle, 3) == [(4, 5), (6, 7)]
    pedicle[5] = False
    assert _merge_split_runs([(2, 3), (7, 8)], pedicle, 3) == [(2, 3), (7, 8)]  # 4 slices apart: too far


#: The 20-slice T11-T12 scan (2 mm): the right T12 pedicle spans k 3.5-12.5 at its isthmus (HU along the
#: slices at column 232, row 352: soft tissue at k 0-2 and k 14-17, cortex at k 4-5 and k 12) and the
#: axial renders show both pedicles on k 4-10: the T12-L1 foramina below, the T11-T12 foramina above.
EYE_T11_T12 = (("left", 13, 19), ("right", 13, 19), ("left", 0, 4), ("right", 0, 4))


def test_the_t11_t12_scan_has_the_foramina_above_and_below_the_t12_pedicles(t11_t12_volume, t11_t12_canal):
    found = [(f.side, int(f.points_kji()[:, 0].min()), int(f.points_kji()[:, 0].max()), f.level)
             for f in find_foramina(t11_t12_volume, t11_t12_canal.mask)]
    for side, lo, hi in EYE_T11_T12:
        assert len(_match(found, side, lo, hi)) == 1, (side, lo, hi, found)
    assert len(found) == len(EYE_T11_T12)
