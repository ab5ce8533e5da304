"""Keeps the 3D view in step with the planning session: plan items, zones, canal, overlap, selection,
and clipping to the region being planned. Thin: all geometry comes from planner.render.

Issue 19 (an edit costs one software frame of the whole scene, 150-300 ms on the lumbar bone): a plan
edit publishes an evaluation, then the workers' figures and corridor reports are merged into it (each
publishes again), and the zone ∩ canal surface is built in a worker. Only the actors whose drawn content
changed are touched, the 3D view is asked to redraw only when something drawn changed, the overlap
surface is rebuilt only when its region changed, and while it is being built the redraw waits for it:
the edit's new items, zones and overlap appear together in one frame.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer

from planner.core import palette
from planner.ablation.zones import conduction_length_mm
from planner.render.ghosts import SeeThrough
from planner.render.legend3d import Legend3D
from planner.render.mask_surfaces import MaskSurface, OverlapHighlight
from planner.render.plan_actors import PlanActors
from planner.render.plan_clip import ClipBox
from planner.render.plan_zones import ZoneActors
from planner.render.shapes3d import configure_translucency
from planner.ui.mask_surface_worker import MaskSurfaceBuilds

CANAL_RGB = palette.unit(palette.CANAL)
CLIP_HALF_HEIGHT_MM = 30.0  # about one vertebra plus a disc above and below the planned point
#: The longest a redraw waits for the zone ∩ canal surface being built (then the rest is drawn without it).
OVERLAP_WAIT_MS = 1500


class ScenePlan:
    """Binds a :class:`~planner.ui.view3d.View3D` to a session and a selection."""

    def __init__(self, view3d, session, selection):
        self.view = view3d
        self.session = session
        self.selection = selection
        renderer = view3d.scene.renderer
        configure_translucency(renderer, view3d.render_window)
        self.items = PlanActors(renderer, session.devices)
        self.zones = ZoneActors(renderer)
        self.canal = MaskSurface(renderer, CANAL_RGB, opacity=0.35)
        self.surfaces = MaskSurfaceBuilds(view3d)  # issue 19: mask surfaces built in workers (canal, CTV, damage)
        self.overlap = OverlapHighlight(renderer)
        # issue 19: the zones, antennas and needles inside the vertebra are drawn through the bone
        self.see_through = SeeThrough(renderer, view3d.render_window, self._see_through_actors)
        self.see_through_extra: list = []  # more () -> [(actor, kind)] drawn through the bone (the CTV)
        self.legend_extra: list = []  # more () -> [(text, rgb, actor)] for the colour key (foramina, CTV)
        self.legend = Legend3D(self.see_through.layer, view3d.render_window, self._legend_lines)
        view3d.opacity.valueChanged.connect(self._on_bone_opacity)
        view3d.volume_box.toggled.connect(self._on_bone_opacity)
        self._on_bone_opacity()
        self.clip = ClipBox()
        self.shell = False
        self.clip_on = False
        self._stale = False
        self._overlap_region = None  # the canal_overlap region the overlap surface shows (or is built for)
        self._redraw_waiting = False  # a redraw waits for the overlap surface under way
        self._redraw_queued = False  # a redraw is asked for at the end of this event-loop turn
        plan = session.plan
        for signal in (plan.item_added, plan.item_removed, plan.item_changed, plan.reset):
            signal.connect(self._on_plan)
        session.evaluated.connect(self._on_evaluated)
        session.canal_changed.connect(self._on_canal)
        session.volume_changed.connect(self._on_volume)
        selection.changed.connect(self._on_selection)
        view3d.surface_ready.connect(self._reattach_clip)

    def _see_through_actors(self) -> list:
        """(actor, kind) of what is drawn through the bone (planner.render.ghosts): the plan's items,
        the zones and their overlap with the canal, and what :attr:`see_through_extra` adds."""
        out = []
        for item_id in self.items.item_ids():
            kind = "fill" if item_id in self.items.item_ids("target") else "item"
            out += [(actor, kind) for actor in self.items.actors_of(item_id)]
        out += [(self.zones.zone_actor(a), "zone") for a in self.zones.antenna_ids()]
        out.append((self.overlap.actor, "item"))
        for more in self.see_through_extra:
            out += list(more())
        return out

    def _legend_lines(self) -> list:
        """(text, rgb, actors) of the colour key (planner.render.legend3d): the canal, the zones, their part of
        the canal, and what :attr:`legend_extra` adds."""
        zones = [self.zones.zone_actor(a) for a in self.zones.antenna_ids()]
        targets = [a for t in self.items.item_ids("target") for a in self.items.actors_of(t)]
        out = [("spinal canal", CANAL_RGB, self.canal.actor), ("lesion (target)", palette.unit(palette.TARGET_3D),
                                                                  targets),
               ("predicted zones", palette.unit(palette.ZONE), zones),
               ("zone in the canal", palette.unit(palette.CANAL_IN_ZONE), self.overlap.actor)]
        for more in self.legend_extra:
            out += list(more())
        return out

    def _on_bone_opacity(self, *_args) -> None:
        """The copies drawn through the bone fade with it; a volume rendering stands for an opaque bone."""
        volume = self.view.volume_box.isChecked()
        self.see_through.bone_opacity = 1.0 if volume else self.view.opacity.value() / 100.0

    def _on_volume(self) -> None:
        self.items.clear()
        self.zones.clear()
        self.surfaces.clear(self.canal)
        self.overlap.overlap_voxels = 0
        self.surfaces.clear(self.overlap)
        self._overlap_region = None
        self.clip.clear_clip()

    def _redraw(self) -> None:
        """Ask the 3D view for a frame at the end of this event-loop turn (an edit's plan events and its
        evaluation come in one turn), unless the overlap surface is being built then: its arrival draws."""
        if not self._redraw_queued:
            self._redraw_queued = True
            QTimer.singleShot(0, self.view, self._flush_redraw)

    def _flush_redraw(self) -> None:
        self._redraw_queued = False
        if self.surfaces.is_busy(self.overlap):
            if not self._redraw_waiting:
                self._redraw_waiting = True
                QTimer.singleShot(OVERLAP_WAIT_MS, self.view, self._overlap_late)
            return
        self.view.render()

    def _overlap_late(self) -> None:
        """The overlap surface is slow (or its build failed): draw the rest now; it follows on arrival."""
        if self._redraw_waiting:
            self._redraw_waiting = False
            self.view.render()

    def _overlap_shown(self) -> None:
        self._redraw_waiting = False
        self.view.render()

    def _on_plan(self, *args) -> None:
        if self.session.interactive:  # a drag: the 3D scene follows on release (one software render)
            self._stale = True
            self.view.hold(True)
            return
        moved = self.items.update_from_plan(self.session.plan)
        if self._update_clip() or moved:
            self._redraw()

    def _on_evaluated(self, evaluation) -> None:
        """Zones, thermocouple colours (by finding code, from the rule table) and the evaluation's own
        zone ∩ canal region. While dragging nothing is rendered: a software 3D frame of a real CT
        costs far more than a frame's budget; the release's full evaluation renders once."""
        if self.session.interactive:
            self._stale = True
            self.view.hold(True)
            return
        changed = self.view.vtk_widget.held  # a drag held the view: its last frame is out of date
        self.view.hold(False)
        if self._stale:
            self._stale = False
            changed |= self.items.update_from_plan(self.session.plan)
            changed |= self._update_clip()
        margin = conduction_length_mm(300.0) if self.shell else None
        changed |= self.zones.update_from_evaluation(evaluation, shell_margin_mm=margin)
        changed |= self.items.update_from_evaluation(evaluation)
        changed |= self._show_overlap(evaluation)
        if changed:
            self._redraw()

    def _show_overlap(self, evaluation) -> bool:
        """The evaluation's own zone ∩ canal region (``analysis.canal_overlap``, what the findings and the
        2D views use), its surface built in a worker (issue 19); an evaluation's arrays never change, so
        a region equal to the one shown (a merged evaluation keeps its analysis) is not built again.
        True if the surface changes (cleared now, or being built)."""
        region = getattr(getattr(evaluation, "analysis", None), "canal_overlap", None)
        if region is None or region.box is None or not region.mask.any():
            had = self._overlap_region is not None or self.surfaces.is_busy(self.overlap)
            self._overlap_region = None
            self.overlap.overlap_voxels = 0
            self.surfaces.clear(self.overlap)
            return had
        if _same_region(region, self._overlap_region):
            return False
        self._overlap_region = region
        self.overlap.overlap_voxels = int(region.mask.sum())
        self.surfaces.request(self.overlap, region.mask, self.session.grid, box=region.box, copy=False,
                              then=self._overlap_shown)
        return True

    def _on_canal(self) -> None:
        """The canal changed: its surface is built in a worker (an older build is dropped) and shown."""
        self.surfaces.request(self.canal, self.session.canal_mask, self.session.grid, then=self._canal_shown)

    def _canal_shown(self) -> None:
        self.clip.attach(self.canal.actor)
        self.view.render()

    def shutdown(self) -> None:
        """The window is closing: wait for the surface builds under way."""
        self.surfaces.shutdown()

    def _on_selection(self, item_id) -> None:
        self.items.set_selected(item_id if item_id in self.session.plan else None)
        self._update_clip()
        self._redraw()

    def set_shell(self, on: bool) -> None:
        self.shell = on
        if self.session.evaluation is not None:
            self._on_evaluated(self.session.evaluation)

    def set_clip(self, on: bool) -> None:
        """Clip bone and canal to a slab around the selected needle's tip (or the crosshair level)."""
        self.clip_on = on
        self._update_clip()
        self._redraw()

    def _clip_centre(self):
        item_id = self.selection.item_id
        if item_id and item_id in self.session.plan:
            item = self.session.plan.get(item_id)
            if item.KIND == "antenna":
                item = self.session.plan.get(item.needle_id)
            if hasattr(item, "tip_lps"):
                return np.asarray(item.tip_lps)
        needles = self.session.plan.needles
        return np.asarray(needles[0].tip_lps) if needles else None

    def _update_clip(self) -> bool:
        """Place the clip box for the plan and selection now; True if it moved (or was set or cleared)."""
        centre = self._clip_centre() if self.clip_on else None
        if centre is None or self.session.volume is None:
            changed = self.clip.box is not None
            self.clip.clear_clip()
            return changed
        lo, hi = self.session.volume.bounds_lps
        lo, hi = lo.copy(), hi.copy()
        lo[2], hi[2] = centre[2] - CLIP_HALF_HEIGHT_MM, centre[2] + CLIP_HALF_HEIGHT_MM
        box = self.clip.box
        if box is not None and np.array_equal(box[0], lo) and np.array_equal(box[1], hi):
            return False
        self.clip.set_clip_box(lo, hi)
        return True

    def _reattach_clip(self) -> None:
        if self.view.scene.bone_actor is not None:
            self.clip.attach(self.view.scene.bone_actor)
            if self.view.scene.bone_lod_mapper is not None:  # the coarse surface shown while rotating
                self.clip.attach(self.view.scene.bone_lod_mapper)
            self._update_clip()


def _same_region(a, b) -> bool:
    """Two ``canal_overlap`` regions with the same box and voxels (the same object, most often)."""
    if a is b:
        return True
    if a is None or b is None or a.box != b.box:
        return False
    return a.mask.shape == b.mask.shape and bool(np.array_equal(a.mask, b.mask))
