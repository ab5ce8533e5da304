"""Surfaces from the CT: the bone isosurface, smoothed and decimated so the 3D view stays interactive."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkFiltersCore import (
    vtkFlyingEdges3D,
    vtkQuadricDecimation,
    vtkWindowedSincPolyDataFilter,
)
from vtkmodules.vtkImagingCore import vtkImageShrink3D
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray

from planner.anatomy.bone import skeleton_mask
from planner.core.errors import LoadCancelled
from planner.core.volume import ImageVolume
from planner.render.vtk_bridge import image_data_ijk, surface_to_lps

DEFAULT_BONE_THRESHOLD_HU = 200.0  # cortical/cancellous bone lies above ~200-300 HU (DOMAIN.md)
#: Below this threshold the isosurface is the skin or muscle (soft tissue, fat -120 to -90 HU, muscle and
#: organs 40-60 HU unenhanced): asked for on purpose, so :func:`skeleton_volume` leaves nothing out then.
SKELETON_MIN_THRESHOLD_HU = 100.0


def outside_set_to_air(volume: ImageVolume, inside: np.ndarray | None) -> ImageVolume:
    """The volume with every voxel outside ``inside`` (a ``[k, j, i]`` mask, e.g. the body mask of
    :mod:`planner.anatomy.body`) set to air, -1000 HU: the bone surface then leaves the CT table,
    leads and anything outside the patient out. ``inside`` None: the volume unchanged."""
    if inside is None:
        return volume
    if inside.shape != volume.hu.shape:
        raise ValueError(f"the body mask {inside.shape} does not match the CT grid {volume.hu.shape}")
    return replace(volume, hu=np.where(inside, volume.hu, np.int16(-1000)).astype(volume.hu.dtype))


def _decimated(surface: vtkPolyData, reduction: float) -> vtkPolyData:
    """``surface`` decimated by ``reduction`` (quadric, volume preserving), the filter's working tables
    freed while Python's GIL is released (issue 19).

    ``vtkQuadricDecimation`` keeps its edge table (a ``vtkIdList`` per point, about 0.5 M on the shared
    lumbar scan) until the filter is destroyed, and a VTK object dropped from Python is destroyed with
    the GIL held: 0.5-1.7 s in which the window's thread could not run (measured here, loaded machine,
    ``benchmarks/bench_export_responsive.py --job surface``). ``Update()`` runs with the GIL released
    (measured: a 7 s decimation leaves the window's thread no gap over 0.1 s, while freeing the filter
    from a plain wrapped call, ``vtkCollection.RemoveAllItems``, still held it 1.4 s), and a filter given
    more points than its edge table holds frees the old table inside ``vtkEdgeTable::InitEdgeInsertion``:
    so the filter is run once more on one triangle over ``n + 1`` points before it is dropped. The
    result is kept in a shallow copy first (the second run overwrites the filter's own output object).

    Measured while writing this (not changed here): on the shared lumbar scan at 200 HU the decimation
    removes only about 1 % of the triangles (1.07 M -> 1.05 M, 6-8 s): 3,177 voxels hold exactly 200 HU,
    so flying edges puts vertices on grid points (degenerate triangles, the likely reason the edge
    collapses stop early); at 199.5 HU it reaches its target (60 % fewer) but takes about 30 s here."""
    dec = vtkQuadricDecimation()
    dec.SetInputData(surface)
    dec.SetTargetReduction(float(reduction))
    dec.VolumePreservationOn()
    dec.Update()
    out = vtkPolyData()
    out.ShallowCopy(dec.GetOutput())
    dec.SetInputData(_one_triangle(surface.GetNumberOfPoints() + 1))
    dec.Update()  # frees the big edge table with the GIL released
    return out


def _one_triangle(n_points: int) -> vtkPolyData:
    """A polydata with ``n_points`` points at the origin and one triangle over the first three."""
    points = vtkPoints()
    points.SetData(numpy_support.numpy_to_vtk(np.zeros((max(int(n_points), 3), 3)), deep=True))
    cells = vtkCellArray()
    cells.InsertNextCell(3, [0, 1, 2])
    poly = vtkPolyData()
    poly.SetPoints(points)
    poly.SetPolys(cells)
    return poly


def skeleton_volume(volume: ImageVolume, threshold_hu: float = DEFAULT_BONE_THRESHOLD_HU,
                    inside: np.ndarray | None = None) -> ImageVolume:
    """The volume as the default bone surface sees it (issue 13): outside ``inside`` (the body mask)
    air, -1000 HU (:func:`outside_set_to_air`), and every voxel at or above ``threshold_hu`` that is
    not bone by :func:`planner.anatomy.bone.skeleton_mask` (the enhancing kidneys, heart and aorta of a
    contrast CT) lowered to ``threshold_hu - 1``: the isosurface at ``threshold_hu`` then holds the
    skeleton only, and where it runs next to what was left out it is unchanged up to one voxel.
    A ``threshold_hu`` under :data:`SKELETON_MIN_THRESHOLD_HU` (a skin surface) keeps the soft tissue."""
    inside_volume = outside_set_to_air(volume, inside)
    if threshold_hu < SKELETON_MIN_THRESHOLD_HU:
        return inside_volume
    bone = skeleton_mask(inside_volume, threshold_hu, inside)
    cut = (inside_volume.hu >= threshold_hu) & ~bone
    if not cut.any():
        return inside_volume
    below = np.asarray(np.ceil(threshold_hu) - 1, dtype=volume.hu.dtype)
    return replace(inside_volume, hu=np.where(cut, np.minimum(inside_volume.hu, below), inside_volume.hu))


def patient_volume(session, threshold_hu: float = DEFAULT_BONE_THRESHOLD_HU) -> ImageVolume:
    """``session.volume`` as the window's 3D view shows it by default (:func:`skeleton_volume`):
    everything outside the patient's body set to air (the CT table, leads: the body mask of
    :mod:`planner.anatomy.body`, through ``session.anatomy.body()``) and the enhancing soft tissue above
    ``threshold_hu`` left out. ``session``: a planning session or its export snapshot. Without a body
    mask (automatic anatomy off, or no body found, e.g. a phantom) only the soft tissue is left out."""
    anatomy = getattr(session, "anatomy", None)
    body = anatomy.body() if anatomy is not None and getattr(session, "auto_anatomy", True) else None
    return skeleton_volume(session.volume, threshold_hu, body.mask if body is not None else None)


def patient_bone_surface(session, threshold_hu: float = DEFAULT_BONE_THRESHOLD_HU) -> vtkPolyData:
    """The bone surface of :func:`patient_volume` (issue 19: the headless report's 3D key image showed
    the CT table, which the window's 3D view leaves out; issue 13: and the kidneys)."""
    return bone_surface(patient_volume(session, threshold_hu), threshold_hu)


def bone_surface(
    volume: ImageVolume,
    threshold_hu: float = DEFAULT_BONE_THRESHOLD_HU,
    target_triangles: int = 400_000,
    smooth_iterations: int = 12,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> vtkPolyData:
    """Isosurface of ``volume`` at ``threshold_hu`` in LPS mm (flying edges), smoothed and decimated.

    Volumes larger than ~40 M voxels are shrunk 2x in-plane first; the surface is decimated (quadric,
    volume preserving) when it has more than 1.5 x ``target_triangles``. ``progress`` gets 0..1; when
    ``cancel`` returns True between stages, :class:`LoadCancelled` is raised.
    """
    stages = []

    def stage(fraction: float):
        if cancel is not None and cancel():
            raise LoadCancelled("bone surface cancelled")
        if progress is not None:
            progress(fraction)
        stages.append(fraction)

    image = image_data_ijk(volume.hu)
    source = image
    shrink = None
    if volume.hu.size > 40_000_000:
        shrink = vtkImageShrink3D()
        shrink.SetInputData(image)
        shrink.SetShrinkFactors(2, 2, 1)
        shrink.AveragingOn()
        shrink.Update()
        source = shrink.GetOutput()
    stage(0.1)
    contour = vtkFlyingEdges3D()
    contour.SetInputData(source)
    contour.SetValue(0, float(threshold_hu))
    contour.ComputeNormalsOff()
    contour.ComputeGradientsOff()
    contour.Update()
    surface = contour.GetOutput()
    # A shrunk image keeps its origin/spacing in index units, so the surface stays in index space.
    stage(0.4)
    n_tri = surface.GetNumberOfPolys()
    if n_tri > 1.5 * target_triangles:  # decimation costs seconds per million triangles: only when it pays
        surface = _decimated(surface, 1.0 - target_triangles / n_tri)
    stage(0.7)
    if smooth_iterations > 0 and surface.GetNumberOfPolys() > 0:
        smooth = vtkWindowedSincPolyDataFilter()
        smooth.SetInputData(surface)
        smooth.SetNumberOfIterations(smooth_iterations)
        smooth.SetPassBand(0.1)
        smooth.BoundarySmoothingOff()
        smooth.NonManifoldSmoothingOn()
        smooth.NormalizeCoordinatesOn()
        smooth.Update()
        surface = smooth.GetOutput()
    stage(0.85)
    out = surface_to_lps(surface, volume)
    stage(1.0)
    return out



def coarse_bone_surface(volume: ImageVolume, threshold_hu: float = DEFAULT_BONE_THRESHOLD_HU,
                        factors: tuple[int, int, int] = (4, 4, 2)) -> vtkPolyData:
    """A quick, coarse bone isosurface (volume averaged over ``factors`` voxels first) in LPS mm: the
    level of detail the 3D view draws while the camera moves, so rotating stays fluid in software."""
    shrink = vtkImageShrink3D()
    shrink.SetInputData(image_data_ijk(volume.hu))
    shrink.SetShrinkFactors(*factors)
    shrink.AveragingOn()
    contour = vtkFlyingEdges3D()
    contour.SetInputConnection(shrink.GetOutputPort())
    contour.SetValue(0, float(threshold_hu))
    contour.ComputeNormalsOff()
    out = surface_to_lps(contour.GetOutputPort(), volume)
    return out
