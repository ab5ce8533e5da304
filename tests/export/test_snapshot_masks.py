"""The export snapshot's masks (issue 19: the snapshot is taken on the GUI thread, so its masks are kept
bit-packed and unpacked in the worker): each comes back equal to the session's mask of the moment the
snapshot was taken, element by element, also after the session's array is edited in place."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from planner.plan.document import PlanDocument
from planner.session.snapshot import SessionSnapshot


def _session(rng):
    shape = (7, 33, 29)  # odd sizes: the last packed byte is partly padding
    canal = rng.random(shape) < 0.3
    lesion = rng.random(shape) < 0.05
    foramina = rng.random(shape) < 0.5
    return SimpleNamespace(volume=object(), grid=object(), devices=object(), thresholds=object(), evaluation=None,
                           plan=PlanDocument(), canal_mask=canal, lesion_mask=lambda: lesion,
                           export_masks={"Foramina": (foramina, "label"), "Empty": None})


def test_snapshot_masks_equal_the_sessions_and_ignore_later_edits():
    rng = np.random.default_rng(19)
    session = _session(rng)
    canal, lesion, foramina = (session.canal_mask.copy(), session.lesion_mask().copy(),
                               session.export_masks["Foramina"][0].copy())
    snapshot = SessionSnapshot(session)
    session.canal_mask[:] = ~session.canal_mask  # the canal brush edits the array in place
    session.lesion_mask()[0] = True
    session.export_masks["Foramina"][0][:] = False
    assert snapshot.canal_mask.dtype == bool and snapshot.canal_mask.shape == canal.shape
    assert np.array_equal(snapshot.canal_mask, canal)
    assert np.array_equal(snapshot.lesion_mask(), lesion)
    assert list(snapshot.export_masks) == ["Foramina"]
    mask, label = snapshot.export_masks["Foramina"]
    assert label == "label" and np.array_equal(mask, foramina)


def test_snapshot_without_masks():
    session = _session(np.random.default_rng(1))
    session.canal_mask, session.lesion_mask, session.export_masks = None, (lambda: None), {}
    snapshot = SessionSnapshot(session)
    assert snapshot.canal_mask is None and snapshot.lesion_mask() is None and snapshot.export_masks == {}


def test_sparse_and_empty_masks_come_back_whole_and_only_their_box_is_kept():
    """A canal-like tube and a voxel far from it: the packed box spans both, and the mask comes back
    equal, voxel for voxel; an empty mask comes back empty (issue 19: only the box is packed)."""
    shape = (40, 64, 48)
    tube = np.zeros(shape, bool)
    tube[:, 30:36, 20:25] = True
    tube[3, 50, 40] = True  # a lone voxel widens the box
    empty = np.zeros(shape, bool)
    session = _session(np.random.default_rng(3))
    session.canal_mask, session.lesion_mask = tube, (lambda: empty)
    session.export_masks = {"Tube": (tube, "label")}
    snapshot = SessionSnapshot(session)
    assert np.array_equal(snapshot.canal_mask, tube) and snapshot.canal_mask.shape == shape
    assert np.array_equal(snapshot.export_masks["Tube"][0], tube)
    assert snapshot.lesion_mask().shape == shape and not snapshot.lesion_mask().any()
    box_voxels = 40 * (50 - 30 + 1) * (40 - 20 + 1)  # k 0..39, j 30..50, i 20..40
    assert snapshot._canal.bits.size == -(-box_voxels // 8) < tube.size // 8
    assert snapshot._lesion.bits.size == 0
