"""The canal prepared in the load worker is the one the session uses (no second, GUI-thread build of the
sub-voxel boundary when the canal arrives), and only when it was built on the session's own grid."""

from __future__ import annotations

import numpy as np

from planner.analysis.overlap import PreparedCanal
from planner.core.volume import ImageVolume
from planner.session.session import PlanningSession


def _case():
    hu = np.full((10, 30, 30), 40, np.int16)
    mask = np.zeros(hu.shape, bool)
    mask[2:8, 12:18, 12:18] = True
    hu[mask] = 10
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(ImageVolume(hu, (1.0, 1.0, 2.0), (0.0, 0.0, 0.0)))
    return session, mask


def test_a_canal_prepared_on_the_sessions_grid_is_used_as_it_is():
    session, mask = _case()
    prepared = PreparedCanal.build(session.grid, mask, session.volume.hu)
    session.set_canal(mask, prepared=prepared)
    assert session._canal is prepared
    assert session.canal_mask is not None and session.canal_mask.sum() == mask.sum()


def test_one_prepared_for_another_grid_is_not_trusted():
    session, mask = _case()
    other, _ = _case()  # a new volume: its grid is another object
    stale = PreparedCanal.build(other.grid, mask, other.volume.hu)
    session.set_canal(mask, prepared=stale)
    assert session._canal is not stale and session._canal.grid is session.grid
