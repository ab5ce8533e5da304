"""Actors for the items of a plan: needles, antennas, thermocouples and targets, in LPS mm.

One set of actors per plan item id, kept for the item's life and moved in place when the item
changes (a drag step updates a line source and a radius; it does not create actors). What an item
*is* lives in the plan; how it looks (colours, visibility, selection) lives here and in
:class:`PlanStyle` (the display-node split of 3D Slicer).

Sizes are true sizes: a needle is drawn with the outer diameter of its gauge, a thermocouple with
that of its 16G needle, an antenna with the diameter of its device (1.6 mm for the generic microwave
antenna) from the needle tip to the antenna tip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from vtkmodules.vtkRenderingCore import vtkActor

from planner.core import palette
from planner.ablation.devices import DeviceLibrary, load_library
from planner.analysis.rules.registry import spec_for
from planner.core.errors import LoadError
from planner.plan.items import Antenna, Needle, Target, Thermocouple
from planner.render.shapes3d import BallShape, EllipsoidSurface, TubeShape, make_actor
from planner.session.targets import target_shape

DRAWN_KINDS: tuple[str, ...] = ("needle", "antenna", "thermocouple", "target")
TC_STATES: tuple[str, ...] = ("unknown", "ok", "prealarm", "alarm")
#: Diameter used when an antenna names a device the library does not hold (the generic MW antenna).
FALLBACK_ANTENNA_DIAMETER_MM = 1.6

# Finding codes of planner.analysis.safety.thermocouple_findings -> thermocouple display state.


@dataclass(frozen=True, eq=False)
class PlanStyle:
    """Colours (RGB 0..1) and opacities of plan items."""

    needle_rgb: tuple[float, float, float] = palette.unit(palette.NEEDLE_3D)
    antenna_rgb: tuple[float, float, float] = palette.unit(palette.ANTENNA_3D)
    antenna_tip_rgb: tuple[float, float, float] = palette.unit(palette.ANTENNA_TIP_3D)
    antenna_tip_scale: float = 0.75  # tip sphere radius as a fraction of the antenna diameter
    thermocouple_rgb: tuple[float, float, float] = palette.unit(palette.THERMOCOUPLE_3D)
    thermocouple_tip_scale: float = 0.9  # tip sphere radius as a fraction of the thermocouple diameter
    tc_state_rgb: Mapping[str, tuple[float, float, float]] = field(default_factory=lambda: {
        state: palette.unit(rgb) for state, rgb in palette.TC_STATE_3D.items()})
    target_rgb: tuple[float, float, float] = palette.unit(palette.TARGET_3D)
    target_opacity: float = 0.35
    selected_mix: float = 0.45  # fraction of white mixed into a selected item's colour
    halo_rgb: tuple[float, float, float] = palette.unit(palette.HALO_3D)
    halo_opacity: float = 0.35
    halo_radius_scale: float = 2.2


def brighten(rgb, fraction: float) -> tuple[float, float, float]:
    """Mix ``fraction`` of white into ``rgb``."""
    c = np.asarray(rgb, dtype=float)
    return tuple(float(v) for v in c + (1.0 - c) * float(fraction))


def thermocouple_states(evaluation) -> dict[str, str]:
    """Display state ("ok", "prealarm", "alarm") per thermocouple id from an Evaluation's findings:
    the state each code declares in the rule table (:mod:`planner.analysis.rules`); the worst wins."""
    states: dict[str, str] = {}
    for finding in getattr(evaluation, "findings", ()) or ():
        spec = spec_for(finding.code)
        state = spec.display if spec is not None and spec.display else None
        if state is None or not finding.item_id:
            continue
        previous = states.get(finding.item_id, "unknown")
        if TC_STATES.index(state) > TC_STATES.index(previous):
            states[finding.item_id] = state
    return states


class _Glyph:
    """The actors of one plan item. ``parts`` are (actor, base colour) pairs."""

    kind = ""

    def __init__(self, item_id: str):
        self.item_id = item_id
        self.parts: list[tuple[vtkActor, tuple]] = []
        self.source_key = None
        self.geometry_key = None  # what the actors draw (PlanActors._geometry)
        self.drawable = True
        self.visible = True
        self.selected = False

    @property
    def actors(self) -> list[vtkActor]:
        return [actor for actor, _ in self.parts]

    def _add(self, actor: vtkActor, rgb) -> vtkActor:
        self.parts.append((actor, tuple(rgb)))
        return actor

    def set_base_colour(self, index: int, rgb) -> None:
        self.parts[index] = (self.parts[index][0], tuple(rgb))

    def part_drawable(self, index: int) -> bool:
        return self.drawable

    def refresh(self, style: PlanStyle) -> None:
        """Apply visibility and selection to every actor."""
        for index, (actor, rgb) in enumerate(self.parts):
            actor.SetVisibility(int(self.visible and self.part_drawable(index)))
            colour = brighten(rgb, style.selected_mix) if self.selected else rgb
            actor.GetProperty().SetColor(*colour)
            actor.GetProperty().SetAmbient(0.35 if self.selected else 0.0)

    def halo_segment(self):
        """(p0, p1, radius) for the selection halo, or None when the item has no axis."""
        return None


class _TubeGlyph(_Glyph):
    """A needle-like item: a tube, optionally with a tip ball."""

    def __init__(self, item_id: str, rgb, tip_rgb=None, opacity: float = 1.0):
        super().__init__(item_id)
        self.tube = TubeShape()
        self._add(make_actor(rgb, opacity, source=self.tube), rgb)
        self.ball = None
        if tip_rgb is not None:
            self.ball = BallShape()
            self._add(make_actor(tip_rgb, opacity, source=self.ball), tip_rgb)

    def part_drawable(self, index: int) -> bool:
        return self.drawable or index > 0  # a zero-length shaft hides; its tip ball stays

    def place(self, p0, p1, radius_mm: float, tip_radius_mm: float | None = None) -> None:
        self.drawable = self.tube.set(p0, p1, radius_mm)
        if self.ball is not None:
            self.ball.set(p1, tip_radius_mm)

    def halo_segment(self):
        p0, p1 = self.tube.segment_lps
        return p0, p1, self.tube.radius_mm


class _TargetGlyph(_Glyph):
    def __init__(self, item_id: str, rgb, opacity: float):
        super().__init__(item_id)
        self.surface = EllipsoidSurface()
        self._add(make_actor(rgb, opacity, polydata=self.surface.poly), rgb)


class PlanActors:
    """Keeps the renderer's plan-item actors in step with a :class:`PlanDocument`.

    ``devices`` gives antenna diameters (default: the shipped device library, loaded on first use).
    Mask targets are not drawn here (draw their mask with :class:`planner.render.mask_surfaces.MaskSurface`).
    """

    def __init__(self, renderer, devices: DeviceLibrary | None = None, style: PlanStyle | None = None):
        self.renderer = renderer
        self.style = style or PlanStyle()
        self._devices = devices
        self._glyphs: dict[str, _Glyph] = {}
        self._visible = {kind: True for kind in DRAWN_KINDS}
        self._tc_states: dict[str, str] = {}
        self._selected: str | None = None
        self.created = 0  # glyphs (sets of actors) made so far (issue 19 tests: an edit rebuilds none it keeps)
        self.placed = 0  # glyphs whose geometry was set so far (an item drawn where it was is not placed again)
        self._halo = TubeShape()
        self._halo_actor = make_actor(self.style.halo_rgb, self.style.halo_opacity, source=self._halo)
        self._halo_actor.GetProperty().SetAmbient(0.6)
        self._halo_actor.PickableOff()
        self._halo_actor.VisibilityOff()
        self.renderer.AddActor(self._halo_actor)

    # ------------------------------------------------------------------ plan -> actors
    def update_from_plan(self, plan) -> bool:
        """Add, move or remove actors so they match ``plan`` (a PlanDocument). Unchanged items keep
        their geometry; changed ones are moved in place (an antenna also moves with its needle).

        A plan opened from a file (or an edit that swaps items) brings new item ids: a glyph whose item
        went is given to a new item of the same kind, first to one drawn at the same place (its actors
        untouched), else moved there; actors are made only for items beyond those (issue 19: opening a
        plan made every glyph again). True if any actor was added, moved or removed (else the 3D view
        need not redraw)."""
        changed = False
        wanted: dict[str, tuple] = {}
        for needle in plan.needles:
            wanted[needle.id] = ("needle", needle)
        for antenna in plan.antennas:
            if antenna.needle_id in plan:
                wanted[antenna.id] = ("antenna", (antenna, plan.get(antenna.needle_id)))
        for tc in plan.thermocouples:
            wanted[tc.id] = ("thermocouple", tc)
        for target in plan.targets:
            if target.kind in ("sphere", "ellipsoid"):
                wanted[target.id] = ("target", target)
        spare: dict[str, list[_Glyph]] = {}  # glyphs whose item went, by kind, to reuse
        for item_id in [i for i in self._glyphs if i not in wanted or self._glyphs[i].kind != wanted[i][0]]:
            glyph = self._glyphs.pop(item_id)
            spare.setdefault(glyph.kind, []).append(glyph)
        for item_id, (kind, source) in wanted.items():
            glyph = self._glyphs.get(item_id)
            if glyph is None:
                glyph = self._reuse(spare.get(kind, []), item_id, self._geometry(kind, source))
                changed = True  # the same place drawn under another id: the actors change only if moved below
            if glyph is None:
                glyph = self._create(kind, item_id)
            if glyph.source_key != source:
                geometry = self._geometry(kind, source)
                if glyph.geometry_key != geometry:
                    self._place(glyph, source)
                    glyph.geometry_key = geometry
                    self.placed += 1
                    changed = True
                glyph.source_key = source
            glyph.refresh(self.style)
        for glyphs in spare.values():
            for glyph in glyphs:
                self._drop(glyph)
                changed = True
        self._update_halo()
        return changed

    def _reuse(self, spare: list, item_id: str, geometry) -> _Glyph | None:
        """A spare glyph for ``item_id``: one drawn at ``geometry`` if any, else the first; None if none."""
        if not spare:
            return None
        glyph = next((g for g in spare if g.geometry_key == geometry), spare[0])
        spare.remove(glyph)
        glyph.item_id = item_id
        glyph.selected = item_id == self._selected
        if glyph.kind == "thermocouple":
            glyph.set_base_colour(1, self.style.tc_state_rgb[self._tc_states.get(item_id, "unknown")])
        self._glyphs[item_id] = glyph
        return glyph

    def _geometry(self, kind: str, source) -> tuple:
        """What an item's actors draw (the arguments of :meth:`_place`), whatever its id and name."""
        if kind == "needle":
            return (tuple(source.entry_lps), tuple(source.tip_lps), source.outer_diameter_mm)
        if kind == "antenna":
            antenna, needle = source
            return (tuple(needle.tip_lps), tuple(antenna.tip_lps(needle)), self.antenna_diameter_mm(antenna))
        if kind == "thermocouple":
            return (tuple(source.entry_lps), tuple(source.tip_lps), source.outer_diameter_mm)
        e = target_shape(source)
        return (tuple(e.centre_lps), tuple(np.asarray(e.axes).ravel()), tuple(e.semi_axes_mm))

    def _create(self, kind: str, item_id: str) -> _Glyph:
        s = self.style
        if kind == "needle":
            glyph: _Glyph = _TubeGlyph(item_id, s.needle_rgb)
        elif kind == "antenna":
            glyph = _TubeGlyph(item_id, s.antenna_rgb, s.antenna_tip_rgb)
        elif kind == "thermocouple":
            state = self._tc_states.get(item_id, "unknown")
            glyph = _TubeGlyph(item_id, s.thermocouple_rgb, s.tc_state_rgb[state])
        else:
            glyph = _TargetGlyph(item_id, s.target_rgb, s.target_opacity)
        glyph.kind = kind
        self.created += 1
        glyph.visible = self._visible[kind]
        glyph.selected = item_id == self._selected
        for actor in glyph.actors:
            self.renderer.AddActor(actor)
        self._glyphs[item_id] = glyph
        return glyph

    def _place(self, glyph: _Glyph, source) -> None:
        if glyph.kind == "needle":
            needle: Needle = source
            glyph.place(needle.entry_lps, needle.tip_lps, needle.outer_diameter_mm / 2.0)
        elif glyph.kind == "antenna":
            antenna, needle = source
            diameter = self.antenna_diameter_mm(antenna)
            glyph.place(needle.tip_lps, antenna.tip_lps(needle), diameter / 2.0,
                        diameter * self.style.antenna_tip_scale)
        elif glyph.kind == "thermocouple":
            tc: Thermocouple = source
            glyph.place(tc.entry_lps, tc.tip_lps, tc.outer_diameter_mm / 2.0,
                        tc.outer_diameter_mm * self.style.thermocouple_tip_scale)
        else:
            target: Target = source
            glyph.surface.set(target_shape(target))

    def _remove(self, item_id: str) -> None:
        self._drop(self._glyphs.pop(item_id))

    def _drop(self, glyph: _Glyph) -> None:
        for actor in glyph.actors:
            self.renderer.RemoveActor(actor)

    def clear(self) -> None:
        """Remove every plan actor (and the selection halo) from the renderer."""
        for item_id in list(self._glyphs):
            self._remove(item_id)
        self._selected = None
        self._update_halo()

    def antenna_diameter_mm(self, antenna: Antenna) -> float:
        """The device's diameter; :data:`FALLBACK_ANTENNA_DIAMETER_MM` for a device not in the library
        (the evaluation reports the unknown device; the view still shows the antenna)."""
        if self._devices is None:
            self._devices = load_library()
        try:
            return float(self._devices.get(antenna.device_id).diameter_mm)
        except LoadError:
            return FALLBACK_ANTENNA_DIAMETER_MM

    # ------------------------------------------------------------------ display state
    def set_selected(self, item_id: str | None) -> None:
        """Highlight one item (brighter colour and a translucent halo); None clears the selection."""
        self._selected = item_id
        for glyph in self._glyphs.values():
            glyph.selected = glyph.item_id == item_id
            glyph.refresh(self.style)
        self._update_halo()

    @property
    def selected(self) -> str | None:
        return self._selected

    def set_visible(self, kind: str, visible: bool) -> None:
        """Show or hide all items of ``kind`` ("needle", "antenna", "thermocouple", "target")."""
        if kind not in self._visible:
            raise ValueError(f"unknown plan item kind {kind!r} (drawn kinds: {', '.join(DRAWN_KINDS)})")
        self._visible[kind] = bool(visible)
        for glyph in self._glyphs.values():
            if glyph.kind == kind:
                glyph.visible = bool(visible)
                glyph.refresh(self.style)
        self._update_halo()

    def is_visible(self, kind: str) -> bool:
        return self._visible[kind]

    def set_thermocouple_states(self, states: Mapping[str, str]) -> bool:
        """Colour thermocouple tips by state ("ok", "prealarm", "alarm"; others show as unknown); True
        if that changes a drawn colour."""
        wanted = {k: (v if v in TC_STATES else "unknown") for k, v in states.items()}
        drawn = [g.item_id for g in self._glyphs.values() if g.kind == "thermocouple"]
        changed = any(wanted.get(i, "unknown") != self._tc_states.get(i, "unknown") for i in drawn)
        self._tc_states = wanted
        if not changed:
            return False
        for glyph in self._glyphs.values():
            if glyph.kind == "thermocouple":
                state = self._tc_states.get(glyph.item_id, "unknown")
                glyph.set_base_colour(1, self.style.tc_state_rgb[state])
                glyph.refresh(self.style)
        return True

    def update_from_evaluation(self, evaluation) -> bool:
        """Thermocouple tip colours from an Evaluation's thermocouple findings; True if one changed."""
        return self.set_thermocouple_states(thermocouple_states(evaluation))

    def _update_halo(self) -> None:
        glyph = self._glyphs.get(self._selected) if self._selected else None
        segment = glyph.halo_segment() if glyph is not None and glyph.visible and glyph.drawable else None
        if segment is None:
            self._halo_actor.VisibilityOff()
            return
        p0, p1, radius = segment
        shown = self._halo.set(p0, p1, radius * self.style.halo_radius_scale)
        self._halo_actor.SetVisibility(int(shown))

    # ------------------------------------------------------------------ lookup
    def item_ids(self, kind: str | None = None) -> list[str]:
        return [i for i, g in self._glyphs.items() if kind is None or g.kind == kind]

    def actors_of(self, item_id: str) -> tuple[vtkActor, ...]:
        """The actors drawing one item: for tubes (shaft, tip ball when it has one)."""
        glyph = self._glyphs.get(item_id)
        return tuple(glyph.actors) if glyph is not None else ()

    def item_id_for_actor(self, actor) -> str | None:
        """The plan item an actor (e.g. from a pick) draws, or None."""
        for item_id, glyph in self._glyphs.items():
            if any(a is actor for a in glyph.actors):
                return item_id
        return None

    def tube_shape(self, item_id: str) -> TubeShape | None:
        glyph = self._glyphs.get(item_id)
        return glyph.tube if isinstance(glyph, _TubeGlyph) else None

    def ellipsoid_surface(self, item_id: str) -> EllipsoidSurface | None:
        glyph = self._glyphs.get(item_id)
        return glyph.surface if isinstance(glyph, _TargetGlyph) else None

    def halo_actor(self) -> vtkActor:
        return self._halo_actor
