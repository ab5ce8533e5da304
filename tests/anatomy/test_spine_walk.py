"""The walks toward the head and the feet run at the same time (planner/anatomy/spine.py,
``walk_both_ways``) and give the bodies, in the order, that the two walks one after the other give
(the reference below is the loop they replaced), also when a restart toward the feet lands on a body
of the walk toward the head (then the walk to the feet stops there, as it did)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy import spine
from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine import SpineParams


def body(z: float) -> LevelGeometry:
    c = (0.0, 0.0, float(z))
    return LevelGeometry(name="L3", body_centre_lps=c, axes_lps=((1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0)),
                         plane_point_lps=c, plane_normal_lps=(1.0, 0, 0), top_endplate_lps=(0.0, 0.0, z + 12),
                         bottom_endplate_lps=(0.0, 0.0, z - 12), height_mm=24.0, width_mm=45.0, depth_mm=32.0,
                         volume_ml=30.0, symmetry_score=0.9, complete=True)


def sequential(volume, track, first, p):
    """The loop as it was written before the walks ran at the same time."""
    found = [first]
    for direction in (+1, -1):
        end = first
        for _ in range(p.restarts + 1):
            more = spine._chain(volume, end, direction, p)
            found += more
            if more:
                end = more[-1]
            restarted = spine._restart(volume, track, end, direction, found, p)
            if restarted is None:
                break
            found.append(restarted)
            end = restarted
    return found


def scripted(monkeypatch, chains: dict, restarts: dict):
    """``_chain`` answers from ``chains[(direction, start z)]``; a restart from ``end`` finds
    ``restarts[(direction, end z)]`` (the real ``_restart`` then refuses it when it is near a body
    already found)."""
    monkeypatch.setattr(spine, "_chain", lambda v, end, d, p, cancel=None: [body(z) for z in chains.get((d, end.body_centre_lps[2]), [])])
    monkeypatch.setattr(spine, "_restart_seeds", lambda track, end, d, tries=4: [(d, end.body_centre_lps[2])])
    monkeypatch.setattr(spine, "_try", lambda v, seed, p, cancel=None: body(restarts[seed]) if seed in restarts else None)


CASES = {
    "apart": ({(+1, 0.0): [30.0, 60.0], (-1, 0.0): [-30.0], (-1, -70.0): [-100.0]},
              {(-1, -30.0): -70.0, (+1, 60.0): 120.0}),
    # a restart toward the feet lands 4 mm from a body found toward the head: the walk stops there
    "restart lands on the other walk": ({(+1, 0.0): [30.0, 60.0], (-1, 0.0): [-30.0], (-1, 64.0): [-100.0]},
                                        {(-1, -30.0): 64.0}),
    "nothing beyond": ({}, {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_walks_at_once_equal_one_after_the_other(monkeypatch, case):
    chains, restarts = CASES[case]
    scripted(monkeypatch, chains, restarts)
    p, first = SpineParams(), body(0.0)
    got = spine.walk_both_ways(None, np.zeros((0, 3)), first, p)
    ref = sequential(None, np.zeros((0, 3)), first, p)
    assert [g.body_centre_lps[2] for g in got] == [g.body_centre_lps[2] for g in ref]
    if case == "restart lands on the other walk":
        assert [g.body_centre_lps[2] for g in got] == [0.0, 30.0, 60.0, -30.0]
