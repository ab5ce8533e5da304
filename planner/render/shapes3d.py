"""Reusable VTK shapes in LPS mm whose geometry is updated in place (no new actor per drag step).

- :class:`TubeShape`: a capped cylinder of a given radius between two points (a needle, an antenna).
- :class:`BallShape`: a sphere (instrument tips).
- :class:`EllipsoidSurface`: the surface of a :class:`planner.geometry.shapes.Ellipsoid`, optionally
  pushed outward by a margin along its normals (the exact parallel surface, e.g. a thermal shell).
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkPolyData
from vtkmodules.vtkFiltersCore import vtkTubeFilter
from vtkmodules.vtkFiltersSources import vtkLineSource, vtkSphereSource
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

from planner.geometry.shapes import Ellipsoid

TUBE_SIDES = 24
MIN_SEGMENT_MM = 1e-3


def make_actor(rgb, opacity: float = 1.0, source=None, polydata=None) -> vtkActor:
    """An actor with a plain coloured surface, fed from an algorithm ``source`` or a ``polydata``."""
    mapper = vtkPolyDataMapper()
    if source is not None:
        mapper.SetInputConnection(source.GetOutputPort())
    elif polydata is not None:
        mapper.SetInputData(polydata)
    mapper.ScalarVisibilityOff()
    actor = vtkActor()
    actor.SetMapper(mapper)
    prop = actor.GetProperty()
    prop.SetColor(*rgb)
    prop.SetOpacity(float(opacity))
    prop.SetSpecular(0.3)
    prop.SetSpecularPower(30)
    return actor


def configure_translucency(renderer, render_window, max_peels: int = 8, fxaa: bool = True) -> None:
    """Depth peeling, so nested translucent surfaces (zone, shell, canal, bone) blend in depth order.

    Peeling needs a window without multisampling: with the EGL window's default 4x MSAA and Mesa's
    llvmpipe, every translucent actor silently disappears (measured here with VTK 9.7). So this turns
    multisampling off on ``render_window`` (FXAA smooths edges instead); call it for every window that
    shows ``renderer``, before or after the first render.
    """
    render_window.SetMultiSamples(0)
    render_window.SetAlphaBitPlanes(1)
    renderer.SetUseDepthPeeling(1)
    renderer.SetMaximumNumberOfPeels(int(max_peels))
    renderer.SetOcclusionRatio(0.0)
    renderer.SetUseFXAA(bool(fxaa))


class TubeShape:
    """A capped tube of radius ``radius_mm`` from ``p0_lps`` to ``p1_lps`` (vtkLineSource + vtkTubeFilter,
    24 sides). Every tube vertex lies exactly ``radius_mm`` from the axis."""

    def __init__(self, radius_mm: float = 1.0, sides: int = TUBE_SIDES):
        self.line = vtkLineSource()
        self.line.SetResolution(1)
        self.tube = vtkTubeFilter()
        self.tube.SetInputConnection(self.line.GetOutputPort())
        self.tube.SetNumberOfSides(int(sides))
        self.tube.CappingOn()
        self.tube.SetRadius(float(radius_mm))
        self._p0 = np.zeros(3)
        self._p1 = np.array([0.0, 0.0, 1.0])
        self.line.SetPoint1(*self._p0)
        self.line.SetPoint2(*self._p1)

    def GetOutputPort(self):  # noqa: N802 (lets make_actor treat it as a VTK algorithm)
        return self.tube.GetOutputPort()

    def set(self, p0_lps, p1_lps, radius_mm: float | None = None) -> bool:
        """Move the tube (and resize it); returns False when the segment is too short to draw."""
        p0 = np.asarray(p0_lps, dtype=float).reshape(3)
        p1 = np.asarray(p1_lps, dtype=float).reshape(3)
        if radius_mm is not None and float(radius_mm) != self.tube.GetRadius():
            self.tube.SetRadius(float(radius_mm))
        if np.linalg.norm(p1 - p0) < MIN_SEGMENT_MM:
            return False
        if not (np.array_equal(p0, self._p0) and np.array_equal(p1, self._p1)):
            self._p0, self._p1 = p0, p1
            self.line.SetPoint1(*p0)
            self.line.SetPoint2(*p1)
        return True

    @property
    def radius_mm(self) -> float:
        return float(self.tube.GetRadius())

    @property
    def segment_lps(self) -> tuple[np.ndarray, np.ndarray]:
        return self._p0.copy(), self._p1.copy()

    def polydata(self) -> vtkPolyData:
        self.tube.Update()
        return self.tube.GetOutput()


class BallShape:
    """A sphere of ``radius_mm`` at ``centre_lps``."""

    def __init__(self, radius_mm: float = 1.0, resolution: int = 20):
        self.source = vtkSphereSource()
        self.source.SetThetaResolution(int(resolution))
        self.source.SetPhiResolution(int(resolution))
        self.source.SetRadius(float(radius_mm))

    def GetOutputPort(self):  # noqa: N802
        return self.source.GetOutputPort()

    def set(self, centre_lps, radius_mm: float | None = None) -> None:
        c = tuple(float(v) for v in np.asarray(centre_lps, dtype=float).reshape(3))
        if c != tuple(self.source.GetCenter()):
            self.source.SetCenter(*c)
        if radius_mm is not None and float(radius_mm) != self.source.GetRadius():
            self.source.SetRadius(float(radius_mm))

    def polydata(self) -> vtkPolyData:
        self.source.Update()
        return self.source.GetOutput()


def _unit_sphere(theta_resolution: int, phi_resolution: int) -> vtkPolyData:
    src = vtkSphereSource()
    src.SetRadius(1.0)
    src.SetThetaResolution(int(theta_resolution))
    src.SetPhiResolution(int(phi_resolution))
    src.Update()
    out = vtkPolyData()
    out.DeepCopy(src.GetOutput())
    return out


class EllipsoidSurface:
    """Triangulated surface of an ellipsoid, from a unit sphere mapped point by point.

    A unit-sphere point ``u`` maps to ``centre + (semi * u) @ axes``; its outward unit normal is
    ``(u / semi) @ axes`` normalised (gradient of sum (y_i / a_i)^2). With ``margin_mm`` each point
    moves by ``margin_mm`` along that normal: the parallel (offset) surface, i.e. exactly the points
    at ``margin_mm`` from the ellipsoid. (An ellipsoid with semi-axes ``a + m`` would not be: it lies
    inside the offset surface between the axes.) Normals are set analytically, for smooth shading.
    Theta resolution is a multiple of 4 and phi resolution odd, so axis-aligned extents are exact.
    """

    def __init__(self, theta_resolution: int = 48, phi_resolution: int = 33):
        self.poly = _unit_sphere(theta_resolution, phi_resolution)
        self._unit = numpy_support.vtk_to_numpy(self.poly.GetPoints().GetData()).astype(float).copy()
        self._unit /= np.linalg.norm(self._unit, axis=1, keepdims=True)
        self._key: tuple | None = None

    def set(self, ellipsoid: Ellipsoid, margin_mm: float = 0.0) -> None:
        """Place the surface on ``ellipsoid`` grown by ``margin_mm`` (>= 0)."""
        if margin_mm < 0:
            raise ValueError("an ellipsoid shell margin must not be negative")
        key = (tuple(ellipsoid.centre_lps), tuple(ellipsoid.axes.ravel()), tuple(ellipsoid.semi_axes_mm),
               float(margin_mm))
        if key == self._key:
            return
        self._key = key
        semi = ellipsoid.semi_axes_mm
        normals = (self._unit / semi) @ ellipsoid.axes
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        points = ellipsoid.centre_lps + (self._unit * semi) @ ellipsoid.axes + float(margin_mm) * normals
        vtk_points = vtkPoints()
        vtk_points.SetData(numpy_support.numpy_to_vtk(points, deep=True))
        self.poly.SetPoints(vtk_points)
        vtk_normals = numpy_support.numpy_to_vtk(normals, deep=True)
        vtk_normals.SetName("Normals")
        self.poly.GetPointData().SetNormals(vtk_normals)
        self.poly.Modified()

    def points_lps(self) -> np.ndarray:
        return numpy_support.vtk_to_numpy(self.poly.GetPoints().GetData()).astype(float).copy()
