"""Level names in the 3D view, beside the spine and joined to the vertebral body by a leader line.

VTK only, no Qt. Each name is a 2D text actor placed, before every render (the renderer's StartEvent),
``BESIDE_MM`` to the screen-left (or right, away from the needles) of its vertebral body's centre, measured along the camera's right
direction in the body's own depth: so it stays clear of the vertebra and of what is planned in it
(needle tips and zones lie within the vertebral body, about 25 mm around its centre on a lumbar body,
DOMAIN.md access geometry) from any viewing side, at any zoom. Names proposed by the automatic count
(``auto``) are drawn in their own colour and not bold, apart from the user's levels. A name is kept
inside the view (moved in from the edge unless that would cover a needle's entry or tip), and hidden
when its vertebra is above or below the view.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkRenderingCore import vtkActor2D, vtkCoordinate, vtkPolyDataMapper2D, vtkTextActor

from planner.core import palette

BESIDE_MM = 60.0  # past a lumbar vertebra's half width with its transverse processes (about 45-50 mm)
LEADER_STOP_MM = 30.0  # the leader ends at the body's side, not on the body (a lumbar body is about 45 mm wide)
FONT_PX = 14
EDGE_PX = 2.0  # a name kept inside the view stays this far from its left and right edges
AVOID_PX = 7.0  # and is not moved within this of a needle's entry or tip on screen


def world_to_display(renderer, point_lps) -> np.ndarray:
    """Display (pixel) coordinates of an LPS point in ``renderer``'s current camera."""
    c = vtkCoordinate()
    c.SetCoordinateSystemToWorld()
    c.SetValue(*(float(v) for v in point_lps))
    return np.array(c.GetComputedDoubleDisplayValue(renderer), dtype=float)


class LevelLabels3D:
    """Names ``(name, body_centre_lps)`` shown beside the spine in ``renderer``."""

    def __init__(self, renderer, rgb=palette.unit(palette.LEVEL), auto_rgb=palette.unit(palette.LEVEL_AUTO)):
        self.renderer = renderer
        self.rgb = rgb
        self.auto_rgb = auto_rgb
        self.visible = True
        self.auto_names: list[str] = []  # the names shown that the automatic count proposed
        self.avoid_lps = np.zeros((0, 3))  # points the labels keep away from (the needles' entries and tips)
        self._labels: list[tuple[str, np.ndarray, vtkTextActor]] = []
        self._leaders = vtkPolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._leaders)
        self._leader_actor = vtkActor2D()
        self._leader_actor.SetMapper(mapper)
        prop = self._leader_actor.GetProperty()
        prop.SetColor(*rgb)
        prop.SetLineWidth(1.0)
        renderer.AddViewProp(self._leader_actor)
        renderer.AddObserver("StartEvent", lambda *_: self.place())

    def set_levels(self, levels, auto=()) -> None:
        """Replace the names: ``levels`` (the plan's) and ``auto`` (found automatically) are iterables of
        (name, body_centre_lps)."""
        for _, _, actor in self._labels:
            self.renderer.RemoveViewProp(actor)
        self._labels = []
        levels, auto = list(levels), list(auto)
        self.auto_names = [str(name) for name, _ in auto]
        for n, (name, centre) in enumerate(levels + auto):
            is_auto = n >= len(levels)
            actor = vtkTextActor()
            actor.SetInput(str(name))
            tp = actor.GetTextProperty()
            tp.SetFontSize(FONT_PX)
            tp.SetBold(not is_auto)
            tp.SetColor(*(self.auto_rgb if is_auto else self.rgb))
            tp.SetBackgroundColor(0.0, 0.0, 0.0)
            tp.SetBackgroundOpacity(0.6)
            tp.SetJustificationToRight()
            tp.SetVerticalJustificationToCentered()
            self.renderer.AddViewProp(actor)
            self._labels.append((str(name), np.asarray(centre, float), actor))
        self.set_visible(self.visible)

    def levels(self) -> list[tuple[str, np.ndarray]]:
        """The (name, body_centre_lps) shown."""
        return [(name, centre) for name, centre, _ in self._labels]

    def text_boxes(self) -> list[tuple[float, float, float, float]]:
        """Each text's box on screen (x0, y0, x1, y1 display px, y up), as last drawn."""
        boxes = []
        for _, _, actor in self._labels:
            bb = [0.0] * 4
            actor.GetBoundingBox(self.renderer, bb)  # relative to the anchor (vtkTextRenderer::GetBoundingBox)
            x, y = actor.GetPosition()  # the anchor: the display position set in place()
            boxes.append((x + bb[0], y + bb[2], x + bb[1], y + bb[3]))
        return boxes

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        for _, _, actor in self._labels:
            actor.SetVisibility(self.visible)
        self._leader_actor.SetVisibility(self.visible and bool(self._labels))

    def layout(self) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
        """(name, anchor_px, label_px, side) for each level: where the leader ends (at the body's side),
        the label's end nearer the body (the text is justified there, vertically centred), in pixels,
        and the side (-1 screen-left, +1 screen-right: the one farther from ``avoid_lps``)."""
        cam = self.renderer.GetActiveCamera()
        direction = np.array(cam.GetDirectionOfProjection())
        up = np.array(cam.GetViewUp())
        right = np.cross(direction, up)
        right /= max(np.linalg.norm(right), 1e-12)
        avoid = [world_to_display(self.renderer, p)[:2] for p in self.avoid_lps]
        out = []
        for name, centre, _ in self._labels:
            best = None
            for side in (-1.0, 1.0):  # screen-left first; the other side when the needles come from there
                beside = world_to_display(self.renderer, centre + side * BESIDE_MM * right)[:2]
                room = min((float(np.linalg.norm(beside - a)) for a in avoid), default=np.inf)
                if best is None or room > best[0] + 1e-6:
                    best = (room, side, beside)
            _, side, beside = best
            anchor = world_to_display(self.renderer, centre + side * LEADER_STOP_MM * right)[:2]
            out.append((name, anchor, beside, side))
        return out

    def place(self) -> None:
        """Put each text and its leader where :meth:`layout` says (called before every render), kept
        inside the view (:meth:`_into_view`); a name whose vertebra is above or below the view is hidden."""
        if not self._labels:
            return
        points, lines = vtkPoints(), vtkCellArray()
        avoid = [world_to_display(self.renderer, p)[:2] for p in self.avoid_lps]
        for (name, anchor, label, side), (_, _, actor) in zip(self.layout(), self._labels):
            tp = actor.GetTextProperty()
            tp.SetJustificationToRight() if side < 0 else tp.SetJustificationToLeft()
            actor.SetDisplayPosition(int(round(label[0])), int(round(label[1])))
            label = self._into_view(actor, label, anchor, avoid)
            actor.SetVisibility(self.visible and label is not None)
            if label is None:
                continue
            actor.SetDisplayPosition(int(round(label[0])), int(round(label[1])))
            a = points.InsertNextPoint(label[0] + (2 if side < 0 else -2), label[1], 0.0)
            b = points.InsertNextPoint(anchor[0], anchor[1], 0.0)
            lines.InsertNextCell(2)
            lines.InsertCellPoint(a)
            lines.InsertCellPoint(b)
        self._leaders.SetPoints(points)
        self._leaders.SetLines(lines)
        self._leaders.Modified()

    def _into_view(self, actor, label, anchor, avoid):
        """The label's position moved so that its text lies inside the view (issue 19: on the lumbar
        scan's framing the names were cut off at the view's left edge), or None when its vertebra is
        above or below the view. The text is not moved where it would come within ``AVOID_PX`` of a
        needle's entry or tip (the names never cover them): it then stays where it was."""
        x0, y0 = (float(v) for v in self.renderer.GetOrigin())
        width, height = (float(v) for v in self.renderer.GetSize())
        if not y0 <= anchor[1] <= y0 + height:
            return None
        bb = [0.0] * 4
        actor.GetBoundingBox(self.renderer, bb)  # relative to the text's anchor, justification applied
        left, right, bottom, top = label[0] + bb[0], label[0] + bb[1], label[1] + bb[2], label[1] + bb[3]
        dx = max(x0 + EDGE_PX - left, 0.0) + min(x0 + width - EDGE_PX - right, 0.0)
        dy = max(y0 - bottom, 0.0) + min(y0 + height - top, 0.0)
        if dx == 0 and dy == 0:
            return label
        moved = (left + dx, right + dx, bottom + dy, top + dy)
        if any(moved[0] - AVOID_PX < ax < moved[1] + AVOID_PX and moved[2] - AVOID_PX < ay < moved[3] + AVOID_PX
               for ax, ay in avoid):
            return label
        return np.array([label[0] + dx, label[1] + dy])
