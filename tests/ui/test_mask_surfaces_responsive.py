"""Mask surfaces built in workers (issue 19, planner/ui/mask_surface_worker.py): the latest request for a
surface wins, a build answering an older one (or a surface cleared meanwhile) is never shown, and what is
shown equals the surface built on the spot (the way the window built it before, on the GUI thread)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from vtkmodules.vtkRenderingCore import vtkRenderer

from planner.render.mask_surfaces import MaskSurface, mask_surface_polydata
from planner.ui.mask_surface_worker import MaskSurfaceBuilds
from tests.ui.helpers import marker_volume

pytestmark = pytest.mark.gui


def _ball(volume, radius_vox: float) -> np.ndarray:
    k, j, i = np.indices(volume.hu.shape, sparse=True)
    c = np.array(volume.hu.shape) // 2
    return (k - c[0]) ** 2 + (j - c[1]) ** 2 + (i - c[2]) ** 2 <= radius_vox ** 2


@pytest.fixture
def builds(qtbot):
    runner = MaskSurfaceBuilds()
    yield runner
    runner.shutdown()


def test_the_latest_request_wins_and_equals_a_build_on_the_spot(qtbot, builds, monkeypatch):
    import planner.ui.mask_surface_worker as worker_module

    volume, _ = marker_volume()
    surface = MaskSurface(vtkRenderer())
    threads = []
    real = worker_module.mask_surface_polydata
    monkeypatch.setattr(worker_module, "mask_surface_polydata", lambda *a: (
        threads.append(threading.current_thread() is threading.main_thread()), real(*a))[1])
    big, small = _ball(volume, 9.0), _ball(volume, 4.0)
    shown = []
    builds.request(surface, big, volume, then=lambda: shown.append("big"))
    builds.request(surface, small, volume, then=lambda: shown.append("small"))
    small[...] = False  # edited in place after the request (the canal brush): the copy is what is built
    qtbot.waitUntil(lambda: not builds.is_busy() and not builds._workers, timeout=30000)
    assert shown == ["small"] and threads and not any(threads)
    reference = mask_surface_polydata(_ball(volume, 4.0), volume, None, surface.smooth_iterations, surface.pass_band)
    assert surface.triangle_count == reference.GetNumberOfPolys() > 0
    assert surface.actor.GetVisibility()


def test_a_surface_cleared_while_its_build_runs_stays_empty(qtbot, builds):
    volume, _ = marker_volume()
    surface = MaskSurface(vtkRenderer())
    shown = []
    builds.request(surface, _ball(volume, 8.0), volume, then=lambda: shown.append(1))
    builds.clear(surface)
    assert not builds.is_busy(surface)
    qtbot.waitUntil(lambda: not builds._workers, timeout=30000)
    assert shown == [] and surface.triangle_count == 0 and not surface.actor.GetVisibility()
