"""A large triangle surface cut into spatial pieces, each a small polydata of its own, so a render of a
part of the picture (a tile of :class:`planner.render.tiled.TiledCapture`) only draws the pieces in
its view: VTK's renderer culls whole actors outside the camera's frustum (``vtkFrustumCoverageCuller``),
never single triangles. Without pieces every tile of the 3D key image drew the whole bone surface
(about a million triangles on the shared lumbar scan) eight times over (depth peeling), and the tiles
cost more together than the one render they replace.

Each triangle goes to the box of a regular ``nx x ny x nz`` grid over the surface's bounds that holds
its centroid; each piece keeps only the points its triangles use, with every point array (normals)
carried along, so the pieces together are the same triangles at the same places as the whole. No Qt;
runs in a worker (it only reads the surface).
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkFiltersCore import vtkTriangleFilter

DEFAULT_GRID = (8, 2, 8)  # L-R, A-P, I-S: the key image looks from behind, so fewer pieces in depth


def _triangles(poly: vtkPolyData) -> tuple[np.ndarray, np.ndarray]:
    """The (n, 3) point ids of ``poly``'s triangles (strips and polygons split first) and the polydata they index."""
    if poly.GetNumberOfStrips() or (poly.GetNumberOfPolys() and poly.GetPolys().IsHomogeneous() != 3):
        tri = vtkTriangleFilter()
        tri.SetInputData(poly)
        tri.PassLinesOff()
        tri.PassVertsOff()
        tri.Update()
        poly = tri.GetOutput()
    if poly.GetNumberOfPolys() == 0:
        return np.zeros((0, 3), dtype=np.int64), poly
    conn = numpy_support.vtk_to_numpy(poly.GetPolys().GetConnectivityArray())
    return conn.reshape(-1, 3).astype(np.int64, copy=False), poly


def split_surface(poly: vtkPolyData, grid: tuple[int, int, int] = DEFAULT_GRID) -> list[vtkPolyData]:
    """``poly``'s triangles in up to ``nx * ny * nz`` pieces (empty boxes give none), in box order."""
    if any(int(n) < 1 for n in grid):
        raise ValueError(f"the piece grid must be positive, got {grid}")
    tris, poly = _triangles(poly)
    if len(tris) == 0:
        return []
    pts = numpy_support.vtk_to_numpy(poly.GetPoints().GetData())
    centroids = pts[tris].mean(axis=1)
    lo, hi = centroids.min(axis=0), centroids.max(axis=0)
    n = np.asarray(grid, dtype=int)
    cell = np.clip(((centroids - lo) / np.maximum(hi - lo, 1e-9) * n).astype(int), 0, n - 1)
    box = np.ravel_multi_index(cell.T, n)
    # vectorised (one sort of every corner, no Python loop over triangles: numpy's sorts release the
    # GIL, so the window's thread keeps running while a worker cuts a million triangles)
    order = np.argsort(box, kind="stable")
    box, tris = box[order], tris[order]
    keys = box[:, None].astype(np.int64) * len(pts) + tris  # (box, point) of every corner
    unique_keys, corner = np.unique(keys.ravel(), return_inverse=True)
    point_box, point_id = np.divmod(unique_keys, len(pts))
    boxes, first_point = np.unique(point_box, return_index=True)  # each box's points are one run
    local = corner.reshape(-1, 3) - first_point[np.searchsorted(boxes, box)][:, None]
    tri_runs = np.concatenate([[0], np.flatnonzero(np.diff(box)) + 1, [len(box)]])
    point_runs = np.concatenate([first_point, [len(point_id)]])
    point_data = poly.GetPointData()
    arrays = [point_data.GetArray(i) for i in range(point_data.GetNumberOfArrays())]
    values = [(a, numpy_support.vtk_to_numpy(a)) for a in arrays if a is not None]
    pieces = []
    for number in range(len(boxes)):
        used = point_id[point_runs[number]:point_runs[number + 1]]
        pieces.append(_piece(pts[used], local[tri_runs[number]:tri_runs[number + 1]],
                             [(a, v[used]) for a, v in values], point_data))
    return pieces


def _piece(points: np.ndarray, tris: np.ndarray, arrays, point_data) -> vtkPolyData:
    out = vtkPolyData()
    vtk_points = vtkPoints()
    vtk_points.SetData(numpy_support.numpy_to_vtk(np.ascontiguousarray(points), deep=True))
    out.SetPoints(vtk_points)
    cells = vtkCellArray()
    offsets = np.arange(0, 3 * len(tris) + 1, 3, dtype=np.int64)
    cells.SetData(numpy_support.numpy_to_vtkIdTypeArray(offsets, deep=True),
                  numpy_support.numpy_to_vtkIdTypeArray(np.ascontiguousarray(tris.ravel(), dtype=np.int64), deep=True))
    out.SetPolys(cells)
    normals = point_data.GetNormals()
    for array, values in arrays:
        copy = numpy_support.numpy_to_vtk(np.ascontiguousarray(values), deep=True, array_type=array.GetDataType())
        copy.SetName(array.GetName())
        if normals is not None and array.GetName() == normals.GetName():
            out.GetPointData().SetNormals(copy)
        else:
            out.GetPointData().AddArray(copy)
    return out
