"""What a refused body search tells the restarts of the automatic spine search
(planner/anatomy/spine.py ``_restart``): a candidate seed between the endplates of a body already
refused is not tried again (issue 13, speed).

A candidate between the endplates of a body an earlier candidate found and refused (two bodies
merged, cut by the scan's end or the search box, no disc beside it) is not tried (issue 13, speed:
the failed restart tries were about 45 % of the search): its search starts inside the same body run
(:func:`planner.anatomy.levels_body._body_run` takes the run holding the seed) and was refused
again wherever this was checked. Not a proof (the body/disc threshold is taken near the seed, so
another seed could split a merged run): on the sample, both shared scans, a 600-slice resampling
of the lumbar scan and its feet-first, prone and lateral layouts the bodies found are identical to
those with every candidate tried (tests/anatomy/test_spine_restart_speed.py; the layouts and the
600 slices were compared once while writing this)."""

from __future__ import annotations

import numpy as np

from planner.anatomy.levels import LevelGeometry

__all__ = ["inside_run"]


def inside_run(seed, g: LevelGeometry) -> bool:
    """``seed`` (LPS) lies between ``g``'s endplates along ``g``'s own cranio-caudal axis."""
    head = g.head_lps
    centre = np.asarray(g.body_centre_lps, float)
    t = float(np.dot(np.asarray(seed, float) - centre, head))
    ends = sorted(float(np.dot(np.asarray(e, float) - centre, head)) for e in (g.bottom_endplate_lps, g.top_endplate_lps))
    return ends[0] <= t <= ends[1]
