"""View speed on a 512 x 512 x 600 CT-like volume, each figure beside its target and a reference
measured in the same run.

    python3 benchmarks/bench_views.py            # full size (about 1 minute)
    python3 benchmarks/bench_views.py --small    # 256 x 256 x 200, for a quick look

Figures: slice change -> repainted 2D view (median, target <= 10 ms); an oblique needle-aligned slice
(median, target <= 5 ms, against a bare vtkImageReslice of the same plane and size); the update of all
2D views while dragging a trajectory end (p95, target <= 33 ms); the bone surface build (target <= 2 x a
bare vtkFlyingEdges3D on the same volume); a 3D frame at 1024 x 768 in software rendering.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def synthetic_ct(shape_kji, spacing=(0.7, 0.7, 0.7)):
    """Soft tissue with a bony cylinder and noise: enough structure for surfaces and slices."""
    from planner.core.volume import ImageVolume

    nk, nj, ni = shape_kji
    rng = np.random.default_rng(1)
    hu = rng.normal(40, 20, size=shape_kji).astype(np.int16)
    jj, ii = np.mgrid[:nj, :ni]
    ring = ((ii - ni / 2) ** 2 + (jj - nj / 2) ** 2) < (min(ni, nj) / 6) ** 2
    hu[:, ring] += 600
    return ImageVolume(hu, spacing, (0.0, 0.0, 0.0), np.diag([-1.0, -1.0, 1.0]))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values):
    return float(np.percentile(values, 95))


def row(name, value_ms, target, reference=None):
    ref = f"  reference {reference:8.2f} ms  ratio {value_ms / reference:5.2f}" if reference else ""
    print(f"{name:<48} {value_ms:8.2f} ms  target {target}{ref}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    shape = (200, 256, 256) if args.small else (600, 512, 512)
    volume = synthetic_ct(shape)
    print(f"volume {shape[2]}x{shape[1]}x{shape[0]} int16 ({volume.nbytes / 1e6:.0f} MB)")

    from PySide6.QtWidgets import QApplication

    from planner.geometry.planes import AXIAL
    from planner.geometry.needle_planes import ALONG_SIDE
    from planner.render.reslice import ObliqueReslicer
    from planner.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1400, 1000)
    window.show()
    window.view3d.set_volume = lambda v: None  # 3D measured separately below
    window.set_volume(volume)
    app.processEvents()
    axial = window.views[AXIAL]

    # 1. slice change -> repaint (synchronous repaint of the axial view)
    def slice_change():
        axial.step_slices(1)
        axial.repaint()

    slice_change()
    times = timed(slice_change, 60)
    row("slice change -> repainted view (median)", statistics.median(times), "<= 10 ms")

    # 2. oblique needle-aligned slice vs bare vtkImageReslice of the same plane and size
    from planner.geometry.needle_planes import needle_plane, trajectory_extent
    from vtkmodules.vtkImagingCore import vtkImageReslice
    from planner.render.vtk_bridge import image_data_ijk, matrix4x4

    centre = volume.to_lps(np.array([shape[2] / 2, shape[1] / 2, shape[0] / 2]))
    entry = centre + np.array([25.0, 70.0, 10.0])
    tip = centre + np.array([-5.0, -20.0, -3.0])
    plane = needle_plane(ALONG_SIDE, entry, tip)
    extent = trajectory_extent(plane, entry, tip, 30.0)
    reslicer = ObliqueReslicer(volume)
    ours = timed(lambda: reslicer.reslice(plane, extent), 40)
    bare = vtkImageReslice()
    bare.SetInputData(image_data_ijk(volume.hu))
    bare.SetOutputDimensionality(2)
    bare.SetInterpolationModeToLinear()
    sl = reslicer.reslice(plane, extent)
    m = np.eye(4)
    lin = volume.lps_to_ijk[:3, :3]
    m[:3, 0], m[:3, 1], m[:3, 2] = lin @ (plane.u_lps * sl.da_mm), lin @ (plane.v_lps * sl.db_mm), lin @ plane.normal_lps
    m[:3, 3] = volume.to_ijk(plane.to_lps(sl.a0_mm, sl.b0_mm))
    bare.SetResliceAxes(matrix4x4(m))
    bare.SetOutputSpacing(1, 1, 1)
    bare.SetOutputOrigin(0, 0, 0)
    bare.SetOutputExtent(0, sl.pixels.shape[1] - 1, 0, sl.pixels.shape[0] - 1, 0, 0)

    def bare_reslice():
        bare.Modified()
        bare.Update()

    ref = timed(bare_reslice, 40)
    row(f"oblique needle slice {sl.pixels.shape[1]}x{sl.pixels.shape[0]} (median)",
        statistics.median(ours), "<= 5 ms", statistics.median(ref))

    # 3. all 2D views while dragging a trajectory end: move the tip, repaint every 2D view
    for view in window.views.values():
        view.set_needle(entry, tip)
    positions = [tip + np.array([0.3 * i, 0.2 * i, 0.1 * i]) for i in range(60)]
    views = list(window.views.values()) + list(getattr(window, "needle_views", {}).values())

    def drag_step(p):
        window.state.set_cursor(p)
        for view in views:
            view.set_needle(entry, p)
            view.repaint()

    drag = []
    for p in positions:
        t0 = time.perf_counter()
        drag_step(p)
        drag.append((time.perf_counter() - t0) * 1000)
    row(f"drag update of {len(views)} 2D views (p95)", p95(drag), "<= 33 ms")
    window.close()

    # 4. bone surface build vs bare vtkFlyingEdges3D
    from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D

    from planner.render.surfaces import bone_surface

    def bare_contour():
        fe = vtkFlyingEdges3D()
        fe.SetInputData(image_data_ijk(volume.hu))
        fe.SetValue(0, 200.0)
        fe.Update()
        return fe.GetOutput()

    ref_surface = timed(bare_contour, 2)
    surf = []
    poly = None
    for _ in range(2):
        t0 = time.perf_counter()
        poly = bone_surface(volume)
        surf.append((time.perf_counter() - t0) * 1000)
    row(f"bone surface ({poly.GetNumberOfPolys()} triangles)", min(surf), "<= 2 x bare", min(ref_surface))

    # 5. 3D frame time at 1024 x 768
    from planner.render.offscreen import offscreen_render_window
    from planner.render.scene3d import Scene3D

    from planner.render.surfaces import coarse_bone_surface

    scene = Scene3D()
    scene.set_bone_surface(poly, coarse_bone_surface(volume))
    scene.set_focus(*volume.bounds_lps)
    rw = offscreen_render_window(1024, 768)
    rw.AddRenderer(scene.renderer)
    scene.camera_preset("P")
    rw.Render()
    cam = scene.renderer.GetActiveCamera()

    def frame():
        cam.Azimuth(3)
        rw.Render()

    rw.SetDesiredUpdateRate(0.0001)  # what the interactor asks for when the camera stops
    frames = timed(frame, 20)
    row("3D frame 1024x768, software, still (median)", statistics.median(frames), "none set (reported)")
    rw.SetDesiredUpdateRate(15.0)  # what the interactor asks for while the camera moves: coarse LOD
    frame()
    frames = timed(frame, 20)
    row("3D frame 1024x768, software, rotating (median)", statistics.median(frames), "none set (reported)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
