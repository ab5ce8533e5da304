"""Meshes for 3D printing: closed triangle surfaces in LPS mm, readable back, zones the size predicted."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.vtkFiltersCore import vtkFeatureEdges
from vtkmodules.vtkIOGeometry import vtkOBJReader, vtkSTLReader
from vtkmodules.vtkIOXML import vtkXMLPolyDataReader

from planner.core.errors import PlannerError
from planner.render.mesh_export import export_meshes

READERS = {"stl": vtkSTLReader, "obj": vtkOBJReader, "vtp": vtkXMLPolyDataReader}


def _read(path):
    reader = READERS[path.suffix[1:]]()
    reader.SetFileName(str(path))
    reader.Update()
    return reader.GetOutput()


def _open_edges(poly) -> int:
    edges = vtkFeatureEdges()
    edges.SetInputData(poly)
    edges.BoundaryEdgesOn()
    edges.NonManifoldEdgesOff()
    edges.FeatureEdgesOff()
    edges.ManifoldEdgesOff()
    edges.Update()
    return edges.GetOutput().GetNumberOfCells()


@pytest.mark.parametrize("fmt", ["stl", "obj", "vtp"])
def test_plan_meshes_are_closed_and_in_lps(sample_session, tmp_path, fmt):
    parts = ("zones", "needles", "canal") if fmt != "stl" else ("zones", "needles", "canal", "bone")
    files = export_meshes(sample_session, tmp_path, fmt, parts)
    names = {p.stem for p in files}
    assert {"zone_L2_left", "zone_L2_right", "needle_L2_left", "spinal_canal"} <= names
    assert ("bone" in names) == (fmt == "stl")
    zone = sample_session.evaluation.zones[0].zone.ellipsoid
    poly = _read(tmp_path / f"zone_L2_left.{fmt}")
    assert poly.GetNumberOfPolys() > 500 and _open_edges(poly) == 0
    lo, hi = np.array(poly.GetBounds()).reshape(3, 2).T
    assert np.allclose((lo + hi) / 2, zone.centre_lps, atol=1.0)
    assert np.isclose((hi - lo).max(), 2 * zone.semi_axes_mm.max(), atol=1.5)
    needle = _read(tmp_path / f"needle_L2_left.{fmt}")
    assert _open_edges(needle) == 0
    if fmt == "stl":
        assert (tmp_path / "zone_L2_left.stl").read_bytes()[:9] == b"SPACE=LPS"


def test_unknown_format_is_refused(sample_session, tmp_path):
    with pytest.raises(PlannerError, match="format"):
        export_meshes(sample_session, tmp_path, "ply")
