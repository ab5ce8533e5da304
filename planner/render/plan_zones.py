"""Translucent predicted ablation zones, one per antenna, and an optional thermal shell around each.

A zone is drawn as the surface of its :class:`~planner.geometry.shapes.Ellipsoid`; the shell is the
surface at ``shell_margin_mm`` outside it (exact parallel surface, see
:class:`~planner.render.shapes3d.EllipsoidSurface`), drawn more transparent: e.g. the ~1 cm heat
spreads by conduction in 5 min (DOMAIN.md; :func:`planner.ablation.zones.conduction_length_mm`).
The zones are predictions from ex vivo data, not measurements; the view only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from vtkmodules.vtkRenderingCore import vtkActor

from planner.core import palette
from planner.render.shapes3d import EllipsoidSurface, make_actor


@dataclass(frozen=True, eq=False)
class ZoneStyle:
    """Colour per device kind, zone and shell opacities."""

    kind_rgb: Mapping[str, tuple[float, float, float]] = field(default_factory=lambda: {
        "microwave": (1.00, 0.55, 0.15), "radiofrequency": (1.00, 0.45, 0.30), "cryo": (0.35, 0.70, 1.00)})
    default_rgb: tuple[float, float, float] = palette.unit(palette.ZONE)
    zone_opacity: float = 0.35
    shell_opacity: float = 0.12


class _ZoneGlyph:
    def __init__(self, style: ZoneStyle):
        self.zone_surface = EllipsoidSurface()
        self.shell_surface = EllipsoidSurface()
        self.zone_actor = make_actor(style.default_rgb, style.zone_opacity, polydata=self.zone_surface.poly)
        self.shell_actor = make_actor(style.default_rgb, style.shell_opacity, polydata=self.shell_surface.poly)
        self.shell_actor.PickableOff()
        self.shell_actor.GetProperty().SetSpecular(0.0)
        self.drawn = None  # (shell margin, zone key) the surfaces show


def _zone_key(zone) -> tuple | None:
    """What a zone's actors show: its kind and ellipsoid (None: no zone)."""
    if zone is None:
        return None
    e = zone.ellipsoid
    return (zone.kind, tuple(e.centre_lps), tuple(e.axes.ravel()), tuple(e.semi_axes_mm))


class ZoneActors:
    """Keeps one zone actor (and one shell actor) per antenna id in step with an Evaluation."""

    def __init__(self, renderer, style: ZoneStyle | None = None):
        self.renderer = renderer
        self.style = style or ZoneStyle()
        self._glyphs: dict[str, _ZoneGlyph] = {}
        self._has_zone: dict[str, bool] = {}
        self._visible = True
        self._shell_margin_mm: float | None = None
        self._drawn_key: tuple | None = None  # what the actors show (issue 19: an unchanged zone is not redrawn)
        self.created = 0  # zone glyphs made so far (issue 19 tests: opening a plan makes none it can reuse)
        self.placed = 0  # zone surfaces set so far

    def update_from_evaluation(self, evaluation, shell_margin_mm: float | None = None) -> bool:
        """Match ``evaluation.zones`` (ZoneResult per antenna). An antenna without a zone (e.g. its
        power is outside the device table) keeps no visible zone. ``shell_margin_mm`` None or 0 hides
        the shells. True if anything drawn changed (zones the same as shown: the actors are untouched)."""
        if shell_margin_mm is not None and shell_margin_mm < 0:
            raise ValueError("the thermal shell margin must not be negative")
        self._shell_margin_mm = shell_margin_mm if shell_margin_mm else None
        results = {r.antenna_id: r for r in (evaluation.zones if evaluation is not None else ())}
        key = (self._shell_margin_mm, tuple((a, _zone_key(r.zone)) for a, r in results.items()))
        if key == self._drawn_key:
            return False
        self._drawn_key = key
        # A plan opened from a file brings new antenna ids (issue 19): a zone whose antenna went is
        # given to a new antenna, first to one with the same zone (its surfaces untouched).
        spare = [self._glyphs.pop(a) for a in [a for a in self._glyphs if a not in results]]
        for antenna_id in [a for a in self._has_zone if a not in results]:
            self._has_zone.pop(antenna_id)
        for antenna_id, result in results.items():
            zone = result.zone
            drawn = (self._shell_margin_mm, _zone_key(zone))
            glyph = self._glyphs.get(antenna_id)
            if glyph is None and spare:
                glyph = next((g for g in spare if g.drawn == drawn), spare[0])
                spare.remove(glyph)
                self._glyphs[antenna_id] = glyph
            glyph = glyph or self._create(antenna_id)
            self._has_zone[antenna_id] = zone is not None
            if zone is not None and glyph.drawn != drawn:
                rgb = self.style.kind_rgb.get(zone.kind, self.style.default_rgb)
                glyph.zone_actor.GetProperty().SetColor(*rgb)
                glyph.shell_actor.GetProperty().SetColor(*rgb)
                glyph.zone_surface.set(zone.ellipsoid)
                if self._shell_margin_mm is not None:
                    glyph.shell_surface.set(zone.ellipsoid, self._shell_margin_mm)
                self.placed += 1
            glyph.drawn = drawn if zone is not None else None
            self._refresh(antenna_id)
        for glyph in spare:
            self._drop(glyph)
        return True

    def _create(self, antenna_id: str) -> _ZoneGlyph:
        glyph = _ZoneGlyph(self.style)
        self.created += 1
        self.renderer.AddActor(glyph.zone_actor)
        self.renderer.AddActor(glyph.shell_actor)
        self._glyphs[antenna_id] = glyph
        return glyph

    def _remove(self, antenna_id: str) -> None:
        self._has_zone.pop(antenna_id, None)
        self._drop(self._glyphs.pop(antenna_id))

    def _drop(self, glyph: _ZoneGlyph) -> None:
        self.renderer.RemoveActor(glyph.zone_actor)
        self.renderer.RemoveActor(glyph.shell_actor)

    def _refresh(self, antenna_id: str) -> None:
        glyph = self._glyphs[antenna_id]
        shown = self._visible and self._has_zone.get(antenna_id, False)
        glyph.zone_actor.SetVisibility(int(shown))
        glyph.shell_actor.SetVisibility(int(shown and self._shell_margin_mm is not None))

    def set_visible(self, visible: bool) -> None:
        """Show or hide all zones and shells."""
        self._visible = bool(visible)
        for antenna_id in self._glyphs:
            self._refresh(antenna_id)

    def clear(self) -> None:
        for antenna_id in list(self._glyphs):
            self._remove(antenna_id)
        self._drawn_key = None

    def antenna_ids(self) -> list[str]:
        return list(self._glyphs)

    def zone_actor(self, antenna_id: str) -> vtkActor | None:
        glyph = self._glyphs.get(antenna_id)
        return glyph.zone_actor if glyph is not None else None

    def shell_actor(self, antenna_id: str) -> vtkActor | None:
        glyph = self._glyphs.get(antenna_id)
        return glyph.shell_actor if glyph is not None else None

    def zone_surface(self, antenna_id: str) -> EllipsoidSurface | None:
        glyph = self._glyphs.get(antenna_id)
        return glyph.zone_surface if glyph is not None else None

    def shell_surface(self, antenna_id: str) -> EllipsoidSurface | None:
        glyph = self._glyphs.get(antenna_id)
        return glyph.shell_surface if glyph is not None else None
