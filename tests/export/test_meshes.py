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


def test_obj_and_vtp_state_their_coordinate_system(sample_session, tmp_path):
    obj, = export_meshes(sample_session, tmp_path / "o", "obj", ("lesion",))
    assert obj.read_text().startswith("# Spine Ablation Planner mesh; coordinates: DICOM patient LPS")
    vtp, = export_meshes(sample_session, tmp_path / "v", "vtp", ("lesion",))
    data = _read(vtp).GetFieldData()
    assert data.GetAbstractArray("CoordinateSystem").GetValue(0) == "LPS"
    assert data.GetAbstractArray("Units").GetValue(0) == "mm"


def test_lesion_mesh_has_the_target_volume(sample_session, tmp_path):
    """The sample's lesion target is a sphere: the closed mesh encloses about 4/3 pi r^3."""
    from vtkmodules.vtkFiltersCore import vtkMassProperties

    target = sample_session.plan.targets[0]
    stl, = export_meshes(sample_session, tmp_path, "stl", ("lesion",))
    poly = _read(stl)
    assert _open_edges(poly) == 0
    mass = vtkMassProperties()
    mass.SetInputData(poly)
    mass.Update()
    semi = np.asarray(target.semi_axes_mm)
    assert mass.GetVolume() == pytest.approx(4.0 / 3.0 * np.pi * np.prod(semi), rel=0.12)


@pytest.mark.realdata
def test_lumbar_bone_mesh_is_closed_and_clean(lumbar_ct_dir, tmp_path):
    """Shared lumbar scan: a raw 200 HU isosurface has about 1,500 pieces, 50 MB of STL and is open
    at the first and last slice; the export is closed, in few pieces and under 20 MB."""
    from planner.imaging import load_path
    from planner.render.bone_mesh import closed_bone_surface, open_edges, piece_count
    from planner.render.mesh_export import write_mesh

    volume = load_path(lumbar_ct_dir)
    poly = closed_bone_surface(volume)
    assert open_edges(poly) == 0
    assert piece_count(poly) < 150
    path = write_mesh(poly, tmp_path / "bone.stl")
    assert path.stat().st_size < 20e6
    lo, hi = np.array(poly.GetBounds()).reshape(3, 2).T
    z_lo, z_hi = volume.bounds_lps[0][2], volume.bounds_lps[1][2]
    assert lo[2] <= z_lo + 1.0 and hi[2] >= z_hi - 1.0  # reaches both scan ends (capped there)
