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
