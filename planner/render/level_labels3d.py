"""Level names in the 3D view, beside the spine and joined to the vertebral body by a leader line.

VTK only, no Qt. Each name is a 2D text actor placed, before every render (the renderer's StartEvent),
``BESIDE_MM`` to the screen-left (or right, away from the needles) of its vertebral body's centre, measured along the camera's right
direction in the body's own depth: so it stays clear of the vertebra and of what is planned in it
(needle tips and zones lie within the vertebral body, about 25 mm around its centre on a lumbar body,
DOMAIN.md access geometry) from any viewing side, at any zoom. Names proposed by the automatic count
(``auto``) are drawn in their own colour and not bold, apart from the user's levels.

Never over what matters (issue 19): a name's box keeps ``AVOID_PX`` off every needle entry and tip
(``avoid_lps``), off every predicted zone's projected disc (``avoid_discs()``: centre and radius in
mm), off the orientation marker's corner (``keep_out()``: viewports of the render window, 0..1) and
off the names placed before it. Where its place beside the body is taken, it slides up or down (its
leader still ends at the body), then tries the other side; a name with no free place inside the view is
hidden (hiding a name is safer than hiding a tip). A name whose vertebra is above or below the view is
hidden too.

Nor over a shaft, and no leader across one (screenshot round of issue 19: from behind, a transpedicular
needle runs across the screen at its vertebra's height, where the leader ran along it): the name's box
keeps off every drawn shaft (``avoid_segments()``: start, end, diameter) along its whole length, as the
2D names do (:mod:`planner.ui.label_needle`), and its leader crosses no shaft and enters no zone's disc,
ending higher or lower on the body's side where needed (``ANCHOR_OFFSETS_MM``). Where no place has a
clear leader, the name takes the first free box and its leader stops short of the first shaft or zone
in its way, still pointing at the body.
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
AVOID_PX = 7.0  # a name's box keeps this far from a needle's entry or tip on screen (a tip marker's size)
SLIDE_PX = 6.0  # a name whose place is taken slides up or down in these steps ...
SLIDE_MAX_PX = 150.0  # ... this far at most (further, the leader line would be hard to follow)
SHAFT_AIR_PX = 3.0  # a name and its leader keep this clear of a shaft's drawn tube (as planner.ui.label_needle)
SHAFT_STEP_PX = 2.0  # a shaft is tested against a name's box at points this far apart on screen
#: Where on the body's side a leader may end, head to feet (mm along the view's up): its middle first,
#: then up to 10 mm above or below, within the smallest body's half height (a T11 body about 22 mm
#: tall, Panjabi 1991, Spine 16(8)), so the leader can pass above or below a shaft that reaches the body.
ANCHOR_OFFSETS_MM = (0.0, 5.0, -5.0, 10.0, -10.0)


def world_to_display(renderer, point_lps) -> np.ndarray:
    """Display (pixel) coordinates of an LPS point in ``renderer``'s current camera."""
    c = vtkCoordinate()
    c.SetCoordinateSystemToWorld()
    c.SetValue(*(float(v) for v in point_lps))
    return np.array(c.GetComputedDoubleDisplayValue(renderer), dtype=float)


class LevelLabels3D:
    """Names ``(name, body_centre_lps)`` shown beside the spine in ``renderer``."""

    def __init__(self, renderer, rgb=palette.unit(palette.LEVEL), auto_rgb=palette.unit(palette.LEVEL_AUTO),
                 draw_in=None):
        self.renderer = renderer  # its camera and viewport place the names
        # where the texts and leaders are drawn: a renderer layer above the scene's see-through copies
        # (planner.render.ghosts) keeps the copies off the names; VTK draws a renderer's 2D overlay after
        # its 3D props (vtkRenderer::UpdateGeometry), and a higher layer after a lower one
        self.draw = renderer if draw_in is None else draw_in
        self.rgb = rgb
        self.auto_rgb = auto_rgb
        self.visible = True
        self.auto_names: list[str] = []  # the names shown that the automatic count proposed
        self.avoid_lps = np.zeros((0, 3))  # points the labels keep away from (the needles' entries and tips)
        self.avoid_discs = lambda: ()  # () -> [(centre_lps, radius_mm)]: the predicted zones
        self.keep_out = lambda: ()  # () -> [(x0, y0, x1, y1)] viewports of the render window (0..1): the marker
        self.avoid_segments = lambda: ()  # () -> [(start_lps, end_lps, diameter_mm)]: the drawn shafts
        self._labels: list[tuple[str, np.ndarray, vtkTextActor]] = []
        self.created = 0  # text actors made so far (issue 19 tests: new names reuse the texts shown)
        self._leaders = vtkPolyData()
        mapper = vtkPolyDataMapper2D()
        mapper.SetInputData(self._leaders)
        self._leader_actor = vtkActor2D()
        self._leader_actor.SetMapper(mapper)
        prop = self._leader_actor.GetProperty()
        prop.SetColor(*rgb)
        prop.SetLineWidth(1.0)
        self.draw.AddViewProp(self._leader_actor)
        renderer.AddObserver("StartEvent", lambda *_: self.place())

    def set_levels(self, levels, auto=()) -> None:
        """Replace the names: ``levels`` (the plan's) and ``auto`` (found automatically) are iterables of
        (name, body_centre_lps)."""
        spare = [actor for _, _, actor in self._labels]  # reused for the new names (issue 19: a plan
        self._labels = []  # opened from a file made every text again)
        levels, auto = list(levels), list(auto)
        self.auto_names = [str(name) for name, _ in auto]
        for n, (name, centre) in enumerate(levels + auto):
            is_auto = n >= len(levels)
            actor = spare.pop(0) if spare else self._new_text()
            actor.SetInput(str(name))
            tp = actor.GetTextProperty()
            tp.SetBold(not is_auto)
            tp.SetColor(*(self.auto_rgb if is_auto else self.rgb))
            self._labels.append((str(name), np.asarray(centre, float), actor))
        for actor in spare:
            self.draw.RemoveViewProp(actor)
        self.set_visible(self.visible)

    def _new_text(self) -> vtkTextActor:
        actor = vtkTextActor()
        tp = actor.GetTextProperty()
        tp.SetFontSize(FONT_PX)
        tp.SetBackgroundColor(0.0, 0.0, 0.0)
        tp.SetBackgroundOpacity(0.6)
        tp.SetJustificationToRight()
        tp.SetVerticalJustificationToCentered()
        self.draw.AddViewProp(actor)
        self.created += 1
        return actor

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

    def visible_boxes(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """(name, box) of each name drawn now (hidden ones left out)."""
        return [(name, box) for (name, _c, actor), box in zip(self._labels, self.text_boxes())
                if actor.GetVisibility()]

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        for _, _, actor in self._labels:
            actor.SetVisibility(self.visible)
        self._leader_actor.SetVisibility(self.visible and bool(self._labels))

    def _right(self) -> np.ndarray:
        cam = self.renderer.GetActiveCamera()
        right = np.cross(np.array(cam.GetDirectionOfProjection()), np.array(cam.GetViewUp()))
        return right / max(np.linalg.norm(right), 1e-12)

    def layout(self) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
        """(name, anchor_px, label_px, side) for each level before any obstacle but the needles is
        considered: where the leader ends (at the body's side), the label's end nearer the body (the
        text is justified there, vertically centred), in pixels, and the side (-1 screen-left, +1
        screen-right: the one farther from ``avoid_lps``)."""
        right = self._right()
        avoid = [world_to_display(self.renderer, p)[:2] for p in self.avoid_lps]
        out = []
        for name, centre, _ in self._labels:
            side = self._sides(centre, right, avoid)[0]
            anchor = world_to_display(self.renderer, centre + side * LEADER_STOP_MM * right)[:2]
            beside = world_to_display(self.renderer, centre + side * BESIDE_MM * right)[:2]
            out.append((name, anchor, beside, side))
        return out

    def _sides(self, centre, right, avoid) -> tuple[float, float]:
        """Screen-left first, unless the needles' ends come nearer its place than the right's."""
        room = []
        for side in (-1.0, 1.0):
            beside = world_to_display(self.renderer, centre + side * BESIDE_MM * right)[:2]
            room.append(min((float(np.linalg.norm(beside - a)) for a in avoid), default=np.inf))
        return (1.0, -1.0) if room[1] > room[0] + 1e-6 else (-1.0, 1.0)

    def _obstacles(self):
        """What a name must not cover, in display px: rectangles (the tips grown by ``AVOID_PX``, the
        keep-out viewports) and discs (cx, cy, r) of the zones."""
        rects = []
        for p in self.avoid_lps:
            x, y = world_to_display(self.renderer, p)[:2]
            rects.append((x - AVOID_PX, y - AVOID_PX, x + AVOID_PX, y + AVOID_PX))
        window = self.renderer.GetRenderWindow()
        if window is not None:
            w, h = (float(v) for v in window.GetSize())
            rects += [(x0 * w, y0 * h, x1 * w, y1 * h) for x0, y0, x1, y1 in self.keep_out()]
        right, discs = self._right(), []
        for centre, radius_mm in self.avoid_discs():
            c = np.asarray(centre, float)
            cx, cy = world_to_display(self.renderer, c)[:2]
            ex, ey = world_to_display(self.renderer, c + float(radius_mm) * right)[:2]
            discs.append((cx, cy, float(np.hypot(ex - cx, ey - cy))))
        return rects, discs

    def _shafts(self) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Each shaft on screen: (start px, end px, half width px: its drawn radius plus ``SHAFT_AIR_PX``)."""
        right, out = self._right(), []
        for start, end, diameter_mm in self.avoid_segments():
            a = world_to_display(self.renderer, start)[:2]
            b = world_to_display(self.renderer, end)[:2]
            mid = (np.asarray(start, float) + np.asarray(end, float)) / 2
            r = np.linalg.norm(world_to_display(self.renderer, mid + float(diameter_mm) / 2 * right)[:2]
                               - world_to_display(self.renderer, mid)[:2])
            out.append((a, b, float(r) + SHAFT_AIR_PX))
        return out

    def place(self) -> None:
        """Put each text and its leader at the first free place (see the module docstring; called
        before every render); a name with none, or whose vertebra is above or below the view, is hidden."""
        if not self._labels:
            return
        points, lines = vtkPoints(), vtkCellArray()
        right = self._right()
        avoid = [world_to_display(self.renderer, p)[:2] for p in self.avoid_lps]
        rects, discs = self._obstacles()
        shafts = _Shafts(self._shafts())
        for _name, centre, actor in self._labels:
            spot = self._spot(actor, centre, right, avoid, rects, discs, shafts)
            if spot is None:  # no place whose leader is clear: the first free box, its leader cut short
                spot = self._spot(actor, centre, right, avoid, rects, discs, shafts, leader_clear=False)
            actor.SetVisibility(self.visible and spot is not None)
            if spot is None:
                continue
            position, anchor, side, box = spot
            rects.append(box)  # the next names keep off this one
            start = np.array([position[0] + (2 if side < 0 else -2), position[1]], float)
            end = _leader_end(start, np.asarray(anchor, float), discs, shafts)
            if end is None:
                continue  # not even the leader's first pixels are clear: the name alone
            a = points.InsertNextPoint(start[0], start[1], 0.0)
            b = points.InsertNextPoint(end[0], end[1], 0.0)
            lines.InsertNextCell(2)
            lines.InsertCellPoint(a)
            lines.InsertCellPoint(b)
        self._leaders.SetPoints(points)
        self._leaders.SetLines(lines)
        self._leaders.Modified()

    def _up(self) -> np.ndarray:
        cam = self.renderer.GetActiveCamera()
        up = np.array(cam.GetViewUp(), float)
        return up / max(np.linalg.norm(up), 1e-12)

    def _spot(self, actor, centre, right, avoid, rects, discs, shafts=None, leader_clear=True):
        """(position, anchor, side, box) of the first free place of ``actor``'s name, or None: its box
        off every obstacle and shaft and, with ``leader_clear``, its leader too (off the shafts and the
        zones' discs), ending on the body's side at one of ``ANCHOR_OFFSETS_MM``."""
        x0, y0 = (float(v) for v in self.renderer.GetOrigin())
        width, height = (float(v) for v in self.renderer.GetSize())
        steps = int(SLIDE_MAX_PX / SLIDE_PX)
        shafts = shafts or _Shafts([])
        up = self._up()
        for side in self._sides(centre, right, avoid):
            anchor = world_to_display(self.renderer, centre + side * LEADER_STOP_MM * right)[:2]
            if not y0 <= anchor[1] <= y0 + height:
                return None  # the vertebra is above or below the view
            anchors = [world_to_display(self.renderer, centre + side * LEADER_STOP_MM * right + dz * up)[:2]
                       for dz in (ANCHOR_OFFSETS_MM if leader_clear else (0.0,))]
            beside = world_to_display(self.renderer, centre + side * BESIDE_MM * right)[:2]
            tp = actor.GetTextProperty()
            tp.SetJustificationToRight() if side < 0 else tp.SetJustificationToLeft()
            actor.SetDisplayPosition(int(round(beside[0])), int(round(beside[1])))
            bb = [0.0] * 4
            actor.GetBoundingBox(self.renderer, bb)  # relative to the text's anchor, justification applied
            for k in range(steps + 1):
                for sign in ((0.0,) if k == 0 else (1.0, -1.0)):
                    px, py = beside[0], beside[1] + sign * k * SLIDE_PX
                    left, right_px, bottom, top = px + bb[0], px + bb[1], py + bb[2], py + bb[3]
                    dx = max(x0 + EDGE_PX - left, 0.0) + min(x0 + width - EDGE_PX - right_px, 0.0)
                    dy = max(y0 - bottom, 0.0) + min(y0 + height - top, 0.0)
                    px, py = round(px + dx), round(py + dy)  # inside the view, on whole pixels
                    box = (px + bb[0], py + bb[2], px + bb[1], py + bb[3])
                    if box[1] < y0 or box[3] > y0 + height or box[0] < x0 or box[2] > x0 + width:
                        continue  # taller or wider than the view
                    if not _free(box, rects, discs) or shafts.touch_box(box):
                        continue
                    start = np.array([px + (2 if side < 0 else -2), py], float)
                    for end in anchors:
                        if not leader_clear or _leader_clear(start, end, discs, shafts):
                            actor.SetDisplayPosition(int(px), int(py))
                            return (px, py), end, side, box
        return None


class _Shafts:
    """The shafts on screen, (start, end, half width) px each, for the names' and leaders' tests."""

    def __init__(self, shafts):
        self.shafts = list(shafts)
        pts, half = [], []
        for a, b, h in self.shafts:
            n = max(int(np.linalg.norm(b - a) / SHAFT_STEP_PX), 1)
            t = np.linspace(0.0, 1.0, n + 1)[:, None]
            pts.append(a + t * (b - a))
            half.append(np.full(n + 1, h))
        self.points = np.concatenate(pts) if pts else np.zeros((0, 2))
        self.half = np.concatenate(half) if half else np.zeros(0)

    def touch_box(self, box) -> bool:
        """True when a shaft, grown by its half width, reaches into ``box``."""
        if not len(self.points):
            return False
        x, y, h = self.points[:, 0], self.points[:, 1], self.half
        return bool(((x + h > box[0]) & (x - h < box[2]) & (y + h > box[1]) & (y - h < box[3])).any())

    def distance_ok(self, points: np.ndarray) -> np.ndarray:
        """Per point (n, 2): True when it lies farther than each shaft's half width from that shaft."""
        ok = np.ones(len(points), bool)
        for a, b, h in self.shafts:
            ab = b - a
            t = np.clip(((points - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
            ok &= np.linalg.norm(points - (a + t[:, None] * ab), axis=1) > h
        return ok


def _leader_points(start, end) -> np.ndarray:
    n = max(int(np.ceil(np.linalg.norm(end - start))), 1)  # one per pixel
    return start + np.linspace(0.0, 1.0, n + 1)[:, None] * (end - start)


def _clear_points(points, discs, shafts) -> np.ndarray:
    ok = shafts.distance_ok(points)
    for cx, cy, r in discs:
        ok &= np.hypot(points[:, 0] - cx, points[:, 1] - cy) > r
    return ok


def _leader_clear(start, end, discs, shafts) -> bool:
    """True when the leader from ``start`` to ``end`` (px) crosses no shaft and enters no zone's disc."""
    return bool(_clear_points(_leader_points(start, np.asarray(end, float)), discs, shafts).all())


def _leader_end(start, end, discs, shafts):
    """Where the leader from ``start`` toward ``end`` stops: at ``end``, or before the first shaft or
    zone in its way (it still points at the body); None when its first pixels are already in one."""
    points = _leader_points(start, end)
    ok = _clear_points(points, discs, shafts)
    if ok.all():
        return end
    first = int(np.argmin(ok))
    return points[first - 1] if first >= 3 else None


def _free(box, rects, discs) -> bool:
    """True when ``box`` overlaps none of ``rects`` and comes inside none of ``discs``."""
    x0, y0, x1, y1 = box
    if any(x0 < r[2] and r[0] < x1 and y0 < r[3] and r[1] < y1 for r in rects):
        return False
    for cx, cy, r in discs:
        nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
        if np.hypot(nx - cx, ny - cy) <= r:
            return False
    return True
