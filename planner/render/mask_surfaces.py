"""Smooth surfaces of boolean masks on a volume's grid (the spinal canal), and the overlap of the
predicted zones with such a mask drawn as a warning.

The mask is cropped to its bounding box (plus one voxel of zeros, so the surface closes where the
mask touches the volume's edge) and contoured at 0.5 with vtkFlyingEdges3D in voxel index space,
smoothed with a windowed-sinc filter (Taubin's non-shrinking low-pass), then mapped to LPS mm with
the grid's ``ijk_to_lps`` (direction and spacing included), so no filter has to honour a direction.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D, vtkWindowedSincPolyDataFilter
from vtkmodules.vtkRenderingCore import vtkActor

from planner.core import palette
from planner.geometry.raster import Box, VoxelGrid, box_shape, mask_box, rasterise_union, shape_box, union_box
from planner.render.shapes3d import make_actor
from planner.render.vtk_bridge import surface_to_lps

CANAL_RGB = palette.unit(palette.CANAL)
OVERLAP_RGB = palette.unit(palette.CANAL_IN_ZONE)


def _padded_image(local_mask: np.ndarray, start_kji) -> vtkImageData:
    """uint8 image of ``local_mask`` with a one-voxel zero border, placed at its index position."""
    padded = np.pad(np.ascontiguousarray(local_mask, dtype=np.uint8), 1)
    nk, nj, ni = padded.shape
    img = vtkImageData()
    img.SetDimensions(ni, nj, nk)
    k0, j0, i0 = (int(s) - 1 for s in start_kji)
    img.SetOrigin(float(i0), float(j0), float(k0))
    img.SetSpacing(1.0, 1.0, 1.0)
    scalars = numpy_support.numpy_to_vtk(padded.reshape(-1), deep=True)
    scalars.SetName("mask")
    img.GetPointData().SetScalars(scalars)
    return img


def mask_surface_polydata(mask: np.ndarray, grid, box: Box | None = None, smooth_iterations: int = 20,
                          pass_band: float = 0.05) -> vtkPolyData:
    """Closed smooth surface (LPS mm, with normals) of a boolean ``mask`` on ``grid``.

    ``grid`` is an ImageVolume or a VoxelGrid. ``mask`` is full-size (``grid.shape_kji``), or a local
    mask with ``box`` giving its place in the full array (as :mod:`planner.geometry.raster` returns).
    An empty mask gives an empty polydata.
    """
    grid = VoxelGrid.of(grid)
    mask = np.asarray(mask, dtype=bool)
    offset = np.zeros(3, dtype=int)
    if box is not None:
        if mask.shape != box_shape(box):
            raise ValueError(f"local mask shape {mask.shape} does not match its box {box_shape(box)}")
        offset = np.array([s.start for s in box], dtype=int)
    elif mask.shape != grid.shape_kji:
        raise ValueError(f"mask shape {mask.shape} differs from the volume's {grid.shape_kji}")
    tight = mask_box(mask)
    if tight is None:
        return vtkPolyData()
    image = _padded_image(mask[tight], offset + np.array([s.start for s in tight]))
    contour = vtkFlyingEdges3D()
    contour.SetInputData(image)
    contour.SetValue(0, 0.5)
    contour.ComputeNormalsOff()
    contour.ComputeGradientsOff()
    contour.ComputeScalarsOff()
    surface = contour.GetOutputPort()
    smooth = None
    if smooth_iterations > 0:
        smooth = vtkWindowedSincPolyDataFilter()
        smooth.SetInputConnection(surface)
        smooth.SetNumberOfIterations(int(smooth_iterations))
        smooth.SetPassBand(float(pass_band))
        smooth.BoundarySmoothingOff()
        smooth.FeatureEdgeSmoothingOff()
        smooth.NonManifoldSmoothingOn()
        smooth.NormalizeCoordinatesOn()
        surface = smooth.GetOutputPort()
    out = surface_to_lps(surface, grid)
    return out


def zone_overlap_mask(grid, zones, mask: np.ndarray) -> tuple[np.ndarray, Box | None]:
    """Voxels of ``mask`` (full-size boolean, e.g. the canal) whose centre lies in any of ``zones``
    (PlannedZone or Ellipsoid), as a local mask with its box; the same voxel-centre rule as
    :func:`planner.analysis.overlap.overlap_ml`."""
    grid = VoxelGrid.of(grid)
    shapes = [getattr(z, "ellipsoid", z) for z in zones]
    box = None
    for shape in shapes:
        box = union_box(box, shape_box(grid, shape))
    if box is None:
        return np.zeros((0, 0, 0), dtype=bool), None
    inside, box = rasterise_union(grid, shapes, box)
    return inside & np.asarray(mask[box], dtype=bool), box


class MaskSurface:
    """A translucent actor showing a mask's surface; the same actor is kept when the mask changes."""

    def __init__(self, renderer, rgb=CANAL_RGB, opacity: float = 0.45, smooth_iterations: int = 20,
                 pass_band: float = 0.05):
        self.renderer = renderer
        self.smooth_iterations = int(smooth_iterations)
        self.pass_band = float(pass_band)
        self._poly = vtkPolyData()
        self.actor: vtkActor = make_actor(rgb, opacity, polydata=self._poly)
        self.actor.GetProperty().SetSpecular(0.2)
        self._visible = True
        self.actor.VisibilityOff()
        renderer.AddActor(self.actor)

    @property
    def polydata(self) -> vtkPolyData:
        return self._poly

    @property
    def triangle_count(self) -> int:
        return int(self._poly.GetNumberOfPolys())

    def set_mask(self, mask: np.ndarray | None, grid=None, box: Box | None = None) -> vtkPolyData:
        """Show the surface of ``mask`` (see :func:`mask_surface_polydata`); None clears it."""
        if mask is None:
            self._poly = vtkPolyData()
        else:
            if grid is None:
                raise ValueError("a mask surface needs the volume grid the mask lies on")
            self._poly = mask_surface_polydata(mask, grid, box, self.smooth_iterations, self.pass_band)
        self.actor.GetMapper().SetInputData(self._poly)
        self._apply_visibility()
        return self._poly

    def set_polydata(self, poly: vtkPolyData) -> None:
        """Show a surface built beforehand (e.g. by :func:`mask_surface_polydata` in a worker thread)."""
        self._poly = poly
        self.actor.GetMapper().SetInputData(self._poly)
        self._apply_visibility()

    def clear(self) -> None:
        self.set_mask(None)

    def set_visible(self, visible: bool) -> None:
        self._visible = bool(visible)
        self._apply_visibility()

    def _apply_visibility(self) -> None:
        self.actor.SetVisibility(int(self._visible and self._poly.GetNumberOfPolys() > 0))

    def remove(self) -> None:
        """Take the actor out of the renderer."""
        self.renderer.RemoveActor(self.actor)


class OverlapHighlight(MaskSurface):
    """The part of a mask (the canal) inside the predicted zones, in a warning colour, opaque."""

    def __init__(self, renderer, rgb=OVERLAP_RGB, opacity: float = 1.0, smooth_iterations: int = 10):
        super().__init__(renderer, rgb, opacity, smooth_iterations)
        self.actor.GetProperty().SetAmbient(0.3)
        self.overlap_voxels = 0

    def update(self, grid, zones, mask: np.ndarray | None) -> int:
        """Recompute the zones ∩ ``mask`` region and show it; returns its voxel count."""
        if mask is None or not zones:
            self.overlap_voxels = 0
            self.set_mask(None)
            return 0
        local, box = zone_overlap_mask(grid, zones, mask)
        self.overlap_voxels = int(local.sum())
        if box is None or self.overlap_voxels == 0:
            self.set_mask(None)
        else:
            self.set_mask(local, grid, box)
        return self.overlap_voxels

    def update_from_evaluation(self, grid, evaluation, mask: np.ndarray | None) -> int:
        """Show the evaluation's own zone ∩ canal region (``analysis.canal_overlap``), the one the
        findings and the 2D views use; nothing is recomputed here. ``mask`` is kept for callers."""
        analysis = getattr(evaluation, "analysis", None)
        region = getattr(analysis, "canal_overlap", None)
        if region is None or region.box is None or not region.mask.any():
            self.overlap_voxels = 0
            self.set_mask(None)
            return 0
        self.overlap_voxels = int(region.mask.sum())
        self.set_mask(region.mask, grid, region.box)
        return self.overlap_voxels
