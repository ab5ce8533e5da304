"""Issue 13 (``analyze`` within twice the read time): the session prepares the canal's sub-voxel
boundary only when an analysis needs it (a zone), and a canal prepared elsewhere on its grid is used."""

from __future__ import annotations

import numpy as np

from planner.analysis.overlap import PreparedCanal
from planner.core.volume import ImageVolume
from planner.session.session import PlanningSession


def _session():
    hu = np.full((10, 30, 30), 40, np.int16)
    mask = np.zeros(hu.shape, bool)
    mask[2:8, 12:18, 12:18] = True
    hu[mask] = 10
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(ImageVolume(hu, (1.0, 1.0, 2.0), (0.0, 0.0, 0.0)))
    return session, mask


def test_no_zone_no_preparation_then_built_on_first_use():
    session, mask = _session()
    session.set_canal(mask)
    session.evaluate(corridors=False)  # no zone: the canal is not used
    assert session._canal_value is None
    prepared = session._canal
    assert isinstance(prepared, PreparedCanal) and prepared.grid is session.grid
    assert prepared.band is not None  # built with the CT's values (sub-voxel boundary)
    assert np.array_equal(prepared.mask, mask) and session._canal is prepared  # built once


def test_a_new_canal_or_a_new_volume_drops_the_old_preparation():
    session, mask = _session()
    session.set_canal(mask)
    first = session._canal
    smaller = mask.copy()
    smaller[2] = False
    session.set_canal(smaller)
    assert session._canal is not first and session._canal.mask.sum() == smaller.sum()
    session.set_canal(None)
    assert session._canal is None
    session.set_canal(mask)
    session.set_volume(session.volume)
    assert session._canal is None
