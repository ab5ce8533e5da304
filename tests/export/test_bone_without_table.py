"""Issue 19 on the real lumbar scan (HFS supine on a CT table): the headless export's own bone surface
leaves the table out, as the window's 3D view does, by the body mask (:mod:`planner.anatomy.body`).

The table is where the body is not, below the patient: for each axial slice and each image column, the
voxels posterior (LPS +y: the rows run to posterior on this scan, ImageOrientationPatient [1,0,0,0,1,0])
of the body's last voxel in that column, with a margin of ``MARGIN_MM`` for the surface's smoothing (a
column the body does not reach counts from the slice's posterior-most body voxel). The reference is
the plain isosurface of the same CT (table included), so the test can fail."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy

from planner.headless.case import open_case

MARGIN_MM = 4.0


@pytest.fixture(scope="module")
def lumbar(lumbar_ct_dir):
    session, _ = open_case(lumbar_ct_dir, canal=False)
    body = session.anatomy.body()
    assert body is not None, "the lumbar scan's body mask was not found"
    return session, np.asarray(body.mask, bool)


def _below_patient(volume, body) -> np.ndarray:
    """[k, j, i] True where the table lies: posterior of the body in its column, by more than the margin."""
    assert np.allclose(volume.direction[:, 1], [0, 1, 0]), "the rows of this scan run to posterior"
    nk, nj, ni = body.shape
    rows = np.arange(nj)[None, :, None]
    last_in_column = np.where(body.any(axis=1), nj - 1 - np.argmax(body[:, ::-1, :], axis=1), -1)  # [k, i]
    last_in_slice = last_in_column.max(axis=1, keepdims=True)  # [k, 1]
    last = np.where(last_in_column >= 0, last_in_column, last_in_slice)
    margin_rows = int(np.ceil(MARGIN_MM / volume.spacing_mm[1]))
    return rows > (last[:, None, :] + margin_rows)


def _points_on_table(polys, volume, table) -> int:
    count = 0
    for poly in polys if isinstance(polys, (list, tuple)) else [polys]:
        if poly.GetNumberOfPoints() == 0:
            continue
        points = vtk_to_numpy(poly.GetPoints().GetData()).astype(float)
        ijk = np.rint(volume.to_ijk(points)).astype(int)
        ok = np.all((ijk >= 0) & (ijk < np.array(volume.shape_ijk)), axis=1)
        i, j, k = ijk[ok].T
        count += int(table[k, j, i].sum())
    return count


@pytest.fixture(scope="module")
def table(lumbar):
    session, body = lumbar
    return _below_patient(session.volume, body)


def test_the_plain_isosurface_holds_the_table(lumbar, table):
    """The reference: without the body mask the surface reaches the table (what the export showed)."""
    from planner.render.surfaces import bone_surface

    session, _ = lumbar
    assert _points_on_table(bone_surface(session.volume), session.volume, table) > 1000


def test_the_pdf_and_dicom_exports_bone_surface_leaves_the_table_out(lumbar, table):
    """The export steps' own surface (built when the window has none to lend), from a snapshot."""
    from planner.headless.export_steps import ExportJob, _key_image_steps
    from planner.session.snapshot import SessionSnapshot

    session, _ = lumbar
    job = ExportJob("test")
    step = next(s for s in _key_image_steps(job, SessionSnapshot(session)) if s.text.startswith("Surfaces"))
    step.run(None)
    pieces = job.state["bone_poly"]
    assert sum(p.GetNumberOfPoints() for p in pieces) > 10000  # the spine is there
    assert _points_on_table(pieces, session.volume, table) == 0


def test_the_headless_reports_3d_key_image_leaves_the_table_out(lumbar, table):
    """``planner export pdf``: :class:`KeyImageRenderer` builds the 3D key image's scene itself."""
    from planner.render.key_images import _scene_3d_window

    session, _ = lumbar
    window = _scene_3d_window(session, 64, 48, "P", None, None)
    try:
        scene = window._planner_keep[0]
        poly = scene.bone_actor.GetMapper().GetInput()
        assert poly.GetNumberOfPoints() > 10000
        assert _points_on_table(poly, session.volume, table) == 0
    finally:
        window.Finalize()
