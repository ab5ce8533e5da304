"""numpy <-> VTK conversions. Volumes go to VTK in *voxel index* space; geometry is mapped to LPS
afterwards with :func:`lps_transform`, so no VTK filter has to honour a direction matrix."""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkPolyDataNormals
from vtkmodules.vtkFiltersGeneral import vtkTransformFilter
from vtkmodules.vtkCommonTransforms import vtkTransform

from planner.core.volume import ImageVolume


def image_data_ijk(array_kji: np.ndarray) -> vtkImageData:
    """A vtkImageData with origin 0 and spacing 1 whose point (i, j, k) holds ``array_kji[k, j, i]``.

    The array is shared, not copied, when it is C-contiguous; keep it alive while VTK uses it.
    """
    arr = np.ascontiguousarray(array_kji)
    nk, nj, ni = arr.shape
    img = vtkImageData()
    img.SetDimensions(ni, nj, nk)
    img.SetOrigin(0.0, 0.0, 0.0)
    img.SetSpacing(1.0, 1.0, 1.0)
    scalars = numpy_support.numpy_to_vtk(arr.reshape(-1), deep=False)
    scalars.SetName("scalars")
    img.GetPointData().SetScalars(scalars)
    img._numpy_ref = arr  # keep the buffer alive as long as the image
    return img


def matrix4x4(m: np.ndarray) -> vtkMatrix4x4:
    out = vtkMatrix4x4()
    for r in range(4):
        for c in range(4):
            out.SetElement(r, c, float(m[r, c]))
    return out


def lps_transform(volume: ImageVolume) -> vtkTransform:
    """The transform from voxel index space (i, j, k) to LPS mm for ``volume``."""
    t = vtkTransform()
    t.SetMatrix(matrix4x4(volume.ijk_to_lps))
    return t


def surface_to_lps(surface, geometry) -> vtkPolyData:
    """A surface built in voxel index space (a vtkPolyData or an algorithm output port) mapped to LPS
    mm with ``geometry.ijk_to_lps``, with point normals. A mirroring affine (negative determinant,
    e.g. some feet-first or flipped series) would turn the triangles inside out; the normals are
    flipped back then, so lighting is right for every orientation."""
    to_lps = vtkTransformFilter()
    if isinstance(surface, vtkPolyData):
        to_lps.SetInputData(surface)
    else:
        to_lps.SetInputConnection(surface)
    transform = vtkTransform()
    transform.SetMatrix(matrix4x4(geometry.ijk_to_lps))
    to_lps.SetTransform(transform)
    normals = vtkPolyDataNormals()
    normals.SetInputConnection(to_lps.GetOutputPort())
    normals.SplittingOff()
    normals.ConsistencyOn()
    normals.AutoOrientNormalsOff()
    normals.SetFlipNormals(int(np.linalg.det(np.asarray(geometry.ijk_to_lps)[:3, :3]) < 0))
    normals.Update()
    out = vtkPolyData()
    out.DeepCopy(normals.GetOutput())
    return out


def polydata_points(poly) -> np.ndarray:
    """The points of a vtkPolyData as an (n, 3) array (a copy)."""
    pts = poly.GetPoints()
    if pts is None:
        return np.zeros((0, 3))
    return numpy_support.vtk_to_numpy(pts.GetData()).astype(float).copy()
