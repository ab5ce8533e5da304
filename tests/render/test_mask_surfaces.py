"""MaskSurface: smooth closed surfaces of voxel masks placed right in LPS; the zone-canal overlap."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.volume import ImageVolume
from planner.geometry.raster import VoxelGrid, box_shape, mask_box
from planner.geometry.shapes import Cylinder, Ellipsoid
from planner.render.mask_surfaces import (MaskSurface, OverlapHighlight, mask_surface_polydata,
                                          zone_overlap_mask)
from planner.render.vtk_bridge import polydata_points

SPACING = (0.7, 0.8, 1.5)


def _volume(direction=np.diag([-1.0, -1.0, 1.0]), shape_kji=(36, 70, 80), origin=(30.0, -20.0, 100.0)):
    return ImageVolume(np.zeros(shape_kji, dtype=np.int16), SPACING, origin, direction)


def _sphere_mask(volume: ImageVolume, centre_lps, radius_mm: float) -> np.ndarray:
    grid = VoxelGrid.of(volume)
    box = (slice(0, volume.hu.shape[0]), slice(0, volume.hu.shape[1]), slice(0, volume.hu.shape[2]))
    pts = grid.box_points_lps(box)
    return (np.linalg.norm(pts - np.asarray(centre_lps), axis=1) <= radius_mm).reshape(volume.hu.shape)


def _boundary_edges(poly) -> int:
    from vtkmodules.vtkFiltersCore import vtkFeatureEdges

    edges = vtkFeatureEdges()
    edges.SetInputData(poly)
    edges.BoundaryEdgesOn()
    edges.FeatureEdgesOff()
    edges.ManifoldEdgesOff()
    edges.NonManifoldEdgesOn()
    edges.Update()
    return edges.GetOutput().GetNumberOfCells()


def _enclosed_volume_mm3(poly) -> float:
    from vtkmodules.vtkFiltersCore import vtkMassProperties, vtkTriangleFilter

    tri = vtkTriangleFilter()
    tri.SetInputData(poly)
    mass = vtkMassProperties()
    mass.SetInputConnection(tri.GetOutputPort())
    mass.Update()
    return mass.GetVolume()


def test_sphere_surface_sits_right_in_lps_with_direction_and_spacing():
    volume = _volume()
    radius = 10.0
    centre = volume.to_lps([41.3, 33.6, 17.2])  # off the voxel centres
    poly = mask_surface_polydata(_sphere_mask(volume, centre, radius), volume)
    bounds = np.array(poly.GetBounds()).reshape(3, 2)
    spacing_lps = np.abs(volume.direction @ np.array(SPACING))
    np.testing.assert_array_less(np.abs(bounds.mean(axis=1) - centre), 0.5 * spacing_lps)
    np.testing.assert_array_less(np.abs((bounds[:, 1] - bounds[:, 0]) - 2 * radius), spacing_lps)
    assert _boundary_edges(poly) == 0
    assert _enclosed_volume_mm3(poly) == pytest.approx(4.0 / 3.0 * np.pi * radius ** 3, rel=0.05)
    # Normals point outward even though the direction flips two axes.
    pts = polydata_points(poly)
    from vtkmodules.util import numpy_support
    normals = numpy_support.vtk_to_numpy(poly.GetPointData().GetNormals())
    assert np.mean(np.sum(normals * (pts - centre), axis=1) > 0) > 0.99


def test_mirroring_grid_keeps_normals_outward():
    volume = _volume(direction=np.diag([1.0, 1.0, -1.0]))  # determinant -1
    centre = volume.to_lps([40.0, 35.0, 18.0])
    poly = mask_surface_polydata(_sphere_mask(volume, centre, 8.0), volume)
    from vtkmodules.util import numpy_support
    normals = numpy_support.vtk_to_numpy(poly.GetPointData().GetNormals())
    assert np.mean(np.sum(normals * (polydata_points(poly) - centre), axis=1) > 0) > 0.99


def test_local_mask_with_box_gives_the_same_surface_and_edges_close():
    volume = _volume()
    # A sphere cut by the volume's first slice: the surface must still be closed.
    centre = volume.to_lps([40.0, 35.0, 1.0])
    full = _sphere_mask(volume, centre, 9.0)
    box = mask_box(full, pad=2)
    local = full[box]
    a = mask_surface_polydata(full, volume)
    b = mask_surface_polydata(local, volume, box=box)
    np.testing.assert_allclose(a.GetBounds(), b.GetBounds(), atol=1e-6)
    assert _boundary_edges(a) == 0
    k_lo = volume.to_lps([0.0, 0.0, -0.5])[2]  # the half-voxel face of the first slice
    assert a.GetBounds()[4] == pytest.approx(k_lo, abs=0.3)
    with pytest.raises(ValueError):
        mask_surface_polydata(local, volume)
    with pytest.raises(ValueError):
        mask_surface_polydata(full, volume, box=box)


def test_mask_surface_actor_lifecycle():
    from vtkmodules.vtkRenderingCore import vtkRenderer

    renderer = vtkRenderer()
    volume = _volume()
    surface = MaskSurface(renderer)
    assert renderer.GetActors().GetNumberOfItems() == 1 and not surface.actor.GetVisibility()
    surface.set_mask(_sphere_mask(volume, volume.to_lps([40, 35, 18]), 8.0), volume)
    actor = surface.actor
    assert actor.GetVisibility() and surface.triangle_count > 100
    assert actor.GetProperty().GetOpacity() < 1.0
    surface.set_mask(np.zeros(volume.hu.shape, dtype=bool), volume)
    assert surface.triangle_count == 0 and not actor.GetVisibility()
    surface.set_mask(_sphere_mask(volume, volume.to_lps([40, 35, 18]), 8.0), volume)
    surface.set_visible(False)
    assert not actor.GetVisibility()
    surface.clear()
    surface.set_visible(True)
    assert not actor.GetVisibility()
    assert surface.actor is actor and renderer.GetActors().GetNumberOfItems() == 1
    with pytest.raises(ValueError):
        surface.set_mask(np.zeros(volume.hu.shape, dtype=bool))


def _canal(volume: ImageVolume) -> tuple[np.ndarray, Cylinder]:
    """A straight 'canal' of radius 6 mm along the volume's k axis."""
    a = volume.to_lps([40.0, 35.0, -5.0])
    b = volume.to_lps([40.0, 35.0, 40.0])
    cyl = Cylinder(a, b, 6.0)
    grid = VoxelGrid.of(volume)
    box = tuple(slice(0, n) for n in volume.hu.shape)
    return cyl.contains(grid.box_points_lps(box)).reshape(volume.hu.shape), cyl


def test_overlap_mask_is_exactly_zone_and_canal():
    volume = _volume()
    canal, _ = _canal(volume)
    zone = Ellipsoid.spheroid(volume.to_lps([40.0, 35.0, 18.0]) + np.array([12.0, 0.0, 0.0]), (0, 1, 0), 15.0, 9.0)
    local, box = zone_overlap_mask(volume, [zone], canal)
    grid = VoxelGrid.of(volume)
    full_box = tuple(slice(0, n) for n in volume.hu.shape)
    expected = canal & zone.contains(grid.box_points_lps(full_box)).reshape(volume.hu.shape)
    assert local.shape == box_shape(box)
    assert int(local.sum()) == int(expected.sum()) > 0
    assert np.array_equal(local, expected[box])


def test_overlap_highlight_draws_only_the_shared_region(scene):
    volume = _volume()
    canal, cyl = _canal(volume)
    centre = volume.to_lps([40.0, 35.0, 18.0]) + np.array([12.0, 0.0, 0.0])
    zone = Ellipsoid.spheroid(centre, (0, 1, 0), 15.0, 9.0)
    highlight = OverlapHighlight(scene.renderer)
    n = highlight.update(volume, [zone], canal)
    assert n > 0 and highlight.actor.GetVisibility()
    assert highlight.actor.GetProperty().GetOpacity() == 1.0
    bounds = np.array(highlight.polydata.GetBounds()).reshape(3, 2)
    zlo, zhi = zone.bounds_lps()
    clo, chi = cyl.bounds_lps()
    slack = np.abs(volume.direction @ np.array(SPACING))
    np.testing.assert_array_less(np.maximum(zlo, clo) - slack, bounds[:, 0])
    np.testing.assert_array_less(bounds[:, 1], np.minimum(zhi, chi) + slack)
    # Rendered: red where the overlap is, background far from it.
    overlap_centre = bounds.mean(axis=1)
    scene.look_at(overlap_centre, (0.0, -1.0, 0.0), 150.0)
    image = scene.image()
    r, g, b = image[scene.project(overlap_centre)].astype(float)
    assert r > 80 and r > 2 * g and r > 2 * b
    # A zone far from the canal: nothing drawn.
    assert highlight.update(volume, [Ellipsoid.sphere(centre + np.array([0.0, 0.0, 200.0]), 5.0)], canal) == 0
    assert not highlight.actor.GetVisibility()
    assert highlight.update(volume, [], canal) == 0
