"""The bone surface's decimation frees its working tables inside ``Update()`` (issue 19): the surface
it returns must be exactly what a plain ``vtkQuadricDecimation`` run gives (the second, one-triangle run
must not touch it). The window's responsiveness is measured in benchmarks/bench_export_responsive.py."""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkFiltersCore import vtkQuadricDecimation
from vtkmodules.vtkFiltersSources import vtkSphereSource

from planner.render.surfaces import _decimated, _one_triangle


def _sphere(resolution: int = 120):
    src = vtkSphereSource()
    src.SetThetaResolution(resolution)
    src.SetPhiResolution(resolution)
    src.SetRadius(20.0)
    src.Update()
    return src.GetOutput()


def _plain(surface, reduction: float):
    dec = vtkQuadricDecimation()
    dec.SetInputData(surface)
    dec.SetTargetReduction(reduction)
    dec.VolumePreservationOn()
    dec.Update()
    return dec.GetOutput()


def _arrays(poly):
    points = numpy_support.vtk_to_numpy(poly.GetPoints().GetData())
    cells = numpy_support.vtk_to_numpy(poly.GetPolys().GetConnectivityArray())
    return points, cells


def test_decimated_surface_is_the_plain_filters_output_after_the_second_run():
    sphere = _sphere()
    ours = _decimated(sphere, 0.6)
    reference = _plain(sphere, 0.6)
    assert ours.GetNumberOfPolys() == reference.GetNumberOfPolys()
    assert ours.GetNumberOfPolys() < 0.5 * sphere.GetNumberOfPolys()  # it did decimate
    p_ours, c_ours = _arrays(ours)
    p_ref, c_ref = _arrays(reference)
    np.testing.assert_array_equal(c_ours, c_ref)
    np.testing.assert_array_equal(p_ours, p_ref)
    # a sphere of radius 20 mm stays one: every point within 1 mm of it (volume preserving)
    assert np.abs(np.linalg.norm(p_ours, axis=1) - 20.0).max() < 1.0


def test_one_triangle_has_the_asked_number_of_points():
    poly = _one_triangle(1000)
    assert poly.GetNumberOfPoints() == 1000
    assert poly.GetNumberOfPolys() == 1
