"""Key images of a plan for the report and DICOM Secondary Capture: 2D slices with the plan drawn in,
and an offscreen 3D view. No Qt.

For each needle: the axial and sagittal planes through its tip, and the two planes along the needle
(:mod:`planner.geometry.needle_planes`), resliced with ``vtkImageReslice`` around the trajectory and
windowed with the DICOM linear VOI function (:func:`planner.render.windowing.apply_window`). Drawn on
top: the lesion (target shapes and segmented lesion masks) filled translucent green with its outline,
the CTV and other masks handed in (``extra_masks``, e.g. ``{"CTV": mask}``) outlined, the zone outlines
(their cut through the plane), the spinal canal outline, where a zone overlaps the canal filled red,
needles and antennas projected on the plane, thermocouple tips, orientation letters (radiological
convention, DejaVu Sans Bold with a dark outline) and a 10 mm scale bar. Images never carry patient
names or ids (BurnedInAnnotation NO).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from planner.core import palette
from planner.core.frames import nearest_voxel_values, orientation_letters
from planner.geometry.mpr import SliceImage
from planner.geometry.needle_planes import ALONG_SIDE, ALONG_UP, needle_plane, trajectory_extent
from planner.geometry.planes import AXIAL, SAGITTAL, SlicePlane, standard_plane
from planner.render.reslice import ObliqueReslicer
from planner.render.windowing import apply_window, preset
from planner.report.pdf import ReportImage
from planner.session.targets import target_shape

IMAGE_PX = 480
MARGIN_MM = 30.0
ZONE_RGB = palette.ZONE
CANAL_RGB = palette.CANAL
TARGET_RGB = palette.TARGET_KEY_IMAGE
NEEDLE_RGB = palette.NEEDLE
ANTENNA_RGB = palette.ANTENNA_KEY_IMAGE
TC_RGB = palette.THERMOCOUPLE_KEY_IMAGE
CTV_RGB = palette.CTV
EXTRA_RGB = palette.EXTRA_MASK
OVERLAP_RGB = palette.CANAL_IN_ZONE
LESION_FILL_ALPHA = 0.25
SCALE_BAR_MM = 10.0
VIEWS = ((AXIAL, "Axial through the tip"), (SAGITTAL, "Sagittal through the tip"),
         (ALONG_SIDE, "Along the needle (axial-like)"), (ALONG_UP, "Along the needle (sagittal-like)"))


@dataclass(frozen=True)
class Window:
    center_hu: float
    width_hu: float


LEGEND = ("Key images: bone window; needle grey, antenna orange, predicted zone outline orange, spinal canal "
          "blue, lesion green (filled), CTV dark blue, zone overlapping the canal RED, thermocouple light blue; "
          "bar = 10 mm. Needles and thermocouples outside a plane are drawn projected onto it; outlines are the "
          "cut of each shape through the plane.")


def _font(size_px: int):
    """DejaVu Sans Bold for the letters and the scale bar (PIL's bitmap font is unreadable in print)."""
    from planner.report.fonts import _find

    path = _find("DejaVuSans-Bold.ttf")
    try:
        return ImageFont.truetype(str(path), size_px) if path is not None else ImageFont.load_default(size_px)
    except (OSError, TypeError):
        return ImageFont.load_default()


def _where(kind: str, needle) -> str:
    tip = ", ".join(f"{v:.1f}" for v in needle.tip_lps)
    if kind in (AXIAL, SAGITTAL):
        return f"the needle tip (LPS {tip} mm)"
    return "the needle's axis"


def _outline(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` with a 4-neighbour outside it (a one-pixel contour)."""
    inner = mask.copy()
    inner[1:, :] &= mask[:-1, :]
    inner[:-1, :] &= mask[1:, :]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    edge = mask & ~inner
    thick = edge.copy()  # two pixels wide, to stay visible when the PDF scales the image down
    thick[1:, :] |= edge[:-1, :]
    thick[:, 1:] |= edge[:, :-1]
    return thick


def _pixel_points(sl: SliceImage) -> np.ndarray:
    rows, cols = sl.pixels.shape
    cc, rr = np.meshgrid(np.arange(cols, dtype=float), np.arange(rows, dtype=float))
    return sl.pixel_to_lps(cc, rr).reshape(-1, 3)


def _mask_on_slice(volume, mask_kji: np.ndarray, points_lps: np.ndarray, shape) -> np.ndarray:
    """Nearest-voxel lookup of a boolean mask on the volume's grid at the slice's pixel centres."""
    return nearest_voxel_values(mask_kji.astype(bool, copy=False), volume.to_ijk(points_lps)).reshape(shape)


def _paint(rgb: np.ndarray, mask: np.ndarray, colour) -> None:
    rgb[mask] = colour


def _blend(rgb: np.ndarray, mask: np.ndarray, colour, alpha: float) -> None:
    rgb[mask] = (rgb[mask] * (1.0 - alpha) + np.asarray(colour, dtype=float) * alpha).astype(np.uint8)


class KeyImageRenderer:
    """Renders key images of one session (volume, plan, evaluation, canal)."""

    def __init__(self, session, window: Window | None = None, image_px: int = IMAGE_PX, extra_masks: dict | None = None):
        if session.volume is None:
            raise ValueError("key images need a loaded volume")
        self.session = session
        extra = extra_masks if extra_masks is not None else getattr(session, "export_masks", None)
        self.extra_masks = {k: (v[0] if isinstance(v, tuple) else v) for k, v in (extra or {}).items()}
        bone = preset("bone")
        self.window = window or Window(bone.center_hu, bone.width_hu)
        self.image_px = int(image_px)
        self._reslicer = ObliqueReslicer(session.volume)

    # --- planes --------------------------------------------------------------------------------
    def plane_for(self, kind: str, needle) -> SlicePlane:
        if kind in (AXIAL, SAGITTAL):
            return standard_plane(kind, np.asarray(needle.tip_lps))
        return needle_plane(kind, needle.entry_lps, needle.tip_lps)

    def _far_point(self, needle) -> np.ndarray:
        """The deepest point of the needle assembly: the antenna tip when there is one."""
        antenna = self.session.plan.antenna_for(needle.id)
        return antenna.tip_lps(needle) if antenna is not None else np.asarray(needle.tip_lps)

    def slice_image(self, plane: SlicePlane, needle) -> SliceImage:
        extent = trajectory_extent(plane, np.asarray(needle.entry_lps), self._far_point(needle), MARGIN_MM)
        step = (extent[1] - extent[0]) / self.image_px
        return self._reslicer.reslice(plane, extent, step_mm=step)

    # --- drawing -------------------------------------------------------------------------------
    def render_slice(self, plane: SlicePlane, needle) -> np.ndarray:
        """(h, w, 3) uint8: the windowed slice with the plan drawn in."""
        sl = self.slice_image(plane, needle)
        grey = apply_window(np.asarray(sl.pixels, dtype=np.float32), self.window.center_hu, self.window.width_hu)
        rgb = np.repeat(grey[..., None], 3, axis=2)
        points = _pixel_points(sl)
        shape = sl.pixels.shape
        session = self.session
        lesion = np.zeros(shape, dtype=bool)
        for target in session.plan.targets:
            shape_3d = target_shape(target)
            if shape_3d is not None:
                lesion |= shape_3d.contains(points).reshape(shape)
        lesion_mask = session.lesion_mask()
        if lesion_mask is not None:
            lesion |= _mask_on_slice(session.volume, lesion_mask, points, shape)
        _blend(rgb, lesion, TARGET_RGB, LESION_FILL_ALPHA)
        _paint(rgb, _outline(lesion), TARGET_RGB)
        for name, mask in self.extra_masks.items():
            colour = CTV_RGB if name.lower().startswith(("ctv", "clinical")) else EXTRA_RGB
            _paint(rgb, _outline(_mask_on_slice(session.volume, mask, points, shape)), colour)
        canal = None
        if session.canal_mask is not None:
            canal = _mask_on_slice(session.volume, session.canal_mask, points, shape)
            _paint(rgb, _outline(canal), CANAL_RGB)
        ev = session.evaluation
        zones = np.zeros(shape, dtype=bool)
        for zone in (ev.planned_zones if ev is not None else ()):
            inside = zone.contains(points).reshape(shape)
            zones |= inside
            _paint(rgb, _outline(inside), ZONE_RGB)
        analysis = ev.analysis if ev is not None else None
        if analysis is not None and analysis.canal_overlap is not None:
            # the overlap the evaluation measured (one rule for the panel, 2D, 3D and the report, issue 15)
            _paint(rgb, analysis.overlap_at(session.grid, points).reshape(shape), OVERLAP_RGB)
        image = Image.fromarray(rgb, "RGB")
        self._draw_items(ImageDraw.Draw(image), sl)
        self._draw_letters(ImageDraw.Draw(image), sl)
        self._draw_scale_bar(ImageDraw.Draw(image), sl)
        return np.asarray(image)

    def _draw_scale_bar(self, draw: ImageDraw.ImageDraw, sl: SliceImage) -> None:
        """A 10 mm bar in the lower left corner, its length from the slice's pixel spacing ``da_mm``."""
        rows, cols = sl.pixels.shape
        length = SCALE_BAR_MM / sl.da_mm
        x0, y0 = 0.05 * cols, rows - 0.06 * rows
        draw.rectangle([x0 - 1, y0 - 3, x0 + length + 1, y0 + 3], fill=(0, 0, 0))
        draw.rectangle([x0, y0 - 2, x0 + length, y0 + 2], fill=(255, 255, 255))
        font = _font(max(10, rows // 30))
        draw.text((x0, y0 - 6), f"{SCALE_BAR_MM:g} mm", fill=(255, 255, 255), font=font, anchor="ls",
                  stroke_width=2, stroke_fill=(0, 0, 0))

    def _to_px(self, sl: SliceImage, lps) -> tuple[float, float]:
        a, b, _ = sl.plane.to_plane_coords(np.asarray(lps, dtype=float))
        col, row = sl.plane_to_pixel(a, b)
        return float(col), float(row)

    def _draw_items(self, draw: ImageDraw.ImageDraw, sl: SliceImage) -> None:
        plan = self.session.plan
        for needle in plan.needles:
            width = max(2, int(round(needle.outer_diameter_mm / sl.da_mm * 0.6)))
            draw.line([self._to_px(sl, needle.entry_lps), self._to_px(sl, needle.tip_lps)], fill=NEEDLE_RGB, width=width)
            antenna = plan.antenna_for(needle.id)
            if antenna is not None:
                tip = antenna.tip_lps(needle)
                draw.line([self._to_px(sl, needle.tip_lps), self._to_px(sl, tip)], fill=ANTENNA_RGB, width=width)
                self._dot(draw, self._to_px(sl, tip), 4, ANTENNA_RGB)
        for tc in plan.thermocouples:
            draw.line([self._to_px(sl, tc.entry_lps), self._to_px(sl, tc.tip_lps)], fill=TC_RGB, width=2)
            self._dot(draw, self._to_px(sl, tc.tip_lps), 5, TC_RGB)

    @staticmethod
    def _dot(draw, centre, radius, colour) -> None:
        x, y = centre
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], outline=(0, 0, 0), fill=colour)

    @staticmethod
    def _draw_letters(draw: ImageDraw.ImageDraw, sl: SliceImage) -> None:
        rows, cols = sl.pixels.shape
        u, v = sl.plane.u_lps, sl.plane.v_lps
        pad = max(4, rows // 60)
        marks = ((orientation_letters(-u), (pad, rows / 2), "lm"), (orientation_letters(u), (cols - pad, rows / 2), "rm"),
                 (orientation_letters(-v), (cols / 2, pad), "mt"), (orientation_letters(v), (cols / 2, rows - pad), "mb"))
        font = _font(max(12, rows // 20))
        for text, xy, anchor in marks:
            draw.text(xy, text[:2], fill=(255, 255, 0), font=font, anchor=anchor, stroke_width=2,
                      stroke_fill=(0, 0, 0))

    # --- the set of key images -----------------------------------------------------------------
    def needle_images(self, needle, progress=None) -> list[ReportImage]:
        """The needle's four key images; ``progress(fraction, text)`` is told before each (a False answer
        stops there, :class:`~planner.core.progress.ExportCancelled`)."""
        from planner.core.progress import report

        out = []
        for number, (kind, title) in enumerate(VIEWS):
            report(progress, number / len(VIEWS), f"Key images of {needle.name}: {title.lower()}")
            plane = self.plane_for(kind, needle)
            caption = f"{title}; plane through {_where(kind, needle)}."
            out.append(ReportImage(f"{needle.name}: {title.lower()}", caption, self.render_slice(plane, needle)))
        return out

    def all_images(self, with_3d: bool = True) -> list[ReportImage]:
        images = []
        for needle in self.session.plan.needles:
            images += self.needle_images(needle)
        if with_3d:
            images.append(ReportImage("3D view (posterior oblique)", "Bone surface (200 HU, translucent), needles, "
                                      "antennas, predicted zones and the spinal canal (blue).",
                                      render_3d_view(self.session)))
        return images


def render_3d_view(session, width: int = 960, height: int = 720, camera: str = "P", bone_surface_poly=None,
                   canal_poly=None) -> np.ndarray:
    """An offscreen render of the bone surface, plan items, zones and canal, as (h, w, 3) uint8.
    ``bone_surface_poly`` / ``canal_poly``: surfaces built beforehand (in a worker: only the render
    itself has to run on the GUI thread); built here when None. ``bone_surface_poly`` may be a list of
    pieces (:func:`planner.render.chunks.split_surface`; a tiled render then draws only those in each
    tile's view). One render (headless use); the window
    uses :func:`render_3d_view_steps`, the same picture tile by tile."""
    from planner.render.scene3d import capture_array

    window = _scene_3d_window(session, width, height, camera, bone_surface_poly, canal_poly)
    try:
        return capture_array(window)
    finally:
        window.Finalize()


def render_3d_view_steps(session, width: int = 960, height: int = 720, camera: str = "P", bone_surface_poly=None,
                         canal_poly=None, tile_px: int | None = None):
    """:func:`render_3d_view` in small steps (issue 19: one render of a real scan's bone surface held
    the GUI thread for 10-20 s): a generator yielding the fraction done after the scene is set up and
    after each tile (:class:`planner.render.tiled.TiledCapture`); its return value (``StopIteration``)
    is the image. Closing it early releases the render window."""
    from planner.render.tiled import DEFAULT_TILE_PX, TiledCapture

    window = _scene_3d_window(session, width, height, camera, bone_surface_poly, canal_poly)
    try:
        yield 0.0
        capture = TiledCapture(window, window.GetRenderers().GetFirstRenderer(), width, height,
                               tile_px or DEFAULT_TILE_PX)
        for fraction in capture.steps():
            yield fraction
        return capture.image
    finally:
        window.Finalize()


def _scene_3d_window(session, width, height, camera, bone_surface_poly, canal_poly):
    """The offscreen window holding the 3D key image's scene, its camera set (not rendered yet)."""
    from planner.render.mask_surfaces import MaskSurface
    from planner.render.offscreen import offscreen_render_window
    from planner.render.plan_actors import PlanActors
    from planner.render.plan_zones import ZoneActors
    from planner.render.scene3d import CAMERA_PRESETS, Scene3D
    from planner.render.shapes3d import configure_translucency, make_actor
    from planner.render.surfaces import patient_bone_surface

    volume = session.volume
    scene = Scene3D()
    window = offscreen_render_window(width, height)
    window.AddRenderer(scene.renderer)
    configure_translucency(scene.renderer, window)
    bone = bone_surface_poly if bone_surface_poly is not None else patient_bone_surface(session)  # no table
    pieces = list(bone) if isinstance(bone, (list, tuple)) else [bone]  # pieces: planner.render.chunks
    scene.set_bone_surface(pieces[0])
    for piece in pieces[1:]:  # one property for all pieces: one bone to the eye, opacity included
        scene.renderer.AddActor(make_actor((1, 1, 1), polydata=piece))
        scene.renderer.GetActors().GetLastActor().SetProperty(scene.bone_actor.GetProperty())
    items = PlanActors(scene.renderer, session.devices)
    items.update_from_plan(session.plan)
    zones = ZoneActors(scene.renderer)
    if session.evaluation is not None:
        zones.update_from_evaluation(session.evaluation)
        items.update_from_evaluation(session.evaluation)
    if canal_poly is not None:
        MaskSurface(scene.renderer, CANAL_RGB_3D, opacity=0.4).set_polydata(canal_poly)
    elif session.canal_mask is not None:
        MaskSurface(scene.renderer, CANAL_RGB_3D, opacity=0.4).set_mask(session.canal_mask, session.grid)
    scene.bone_actor.GetProperty().SetOpacity(BONE_OPACITY)  # so zones inside the vertebra show
    scene.set_focus(*volume.bounds_lps)
    scene.camera_preset(camera)
    focus = _plan_focus(session)
    if focus is not None:
        _frame(scene.renderer, focus, np.asarray(CAMERA_PRESETS[camera][0]) + OBLIQUE_LPS)
    window._planner_keep = (scene, items, zones)  # the actors' owners live as long as the window
    return window


CANAL_RGB_3D = palette.unit(palette.CANAL)
BONE_OPACITY = 0.45
OBLIQUE_LPS = np.array([0.45, 0.0, 0.35])  # tilt the view toward the patient's left and the head


def _frame(renderer, box, direction_lps) -> None:
    """Point the camera at the centre of ``box`` (min, max LPS) from ``direction_lps``, filling the view."""
    lo, hi = (np.asarray(b, dtype=float) for b in box)
    centre, radius = (lo + hi) / 2, max(float(np.linalg.norm(hi - lo)) / 2, 20.0)
    d = direction_lps / np.linalg.norm(direction_lps)
    cam = renderer.GetActiveCamera()
    cam.SetFocalPoint(*centre)
    cam.SetPosition(*(centre + d * radius / np.tan(np.radians(cam.GetViewAngle() / 2)) * 0.75))
    cam.SetViewUp(0.0, 0.0, 1.0)
    cam.OrthogonalizeViewUp()
    renderer.ResetCameraClippingRange()


def _plan_focus(session):
    """A box around the plan's needles (so the camera frames the treated levels), or None."""
    points = [p for n in session.plan.needles for p in (n.entry_lps, n.tip_lps)]
    points += [t.tip_lps for t in session.plan.thermocouples]
    if not points:
        return None
    pts = np.asarray(points, dtype=float)
    return pts.min(axis=0) - 10.0, pts.max(axis=0) + 10.0
