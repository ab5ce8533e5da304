"""What the plan puts inside the bone, drawn through it: zones, antennas, needles, thermocouples, targets.

VTK only, no Qt. The ablation zone and the antenna lie inside the vertebral body (DOMAIN.md access
geometry), so the opaque bone surface hid them in the 3D view: on the lumbar scan a bipedicular plan's
two zones were invisible from every side (screenshot round of issue 19). As the "x-ray" or "see-through"
display of surgical navigation views (e.g. 3D Slicer's "Occluded visibility" of markups, drawn at an
occluded opacity over the surfaces in front of them), each plan actor is drawn a second time in a
renderer layer above the scene (:class:`SeeThrough`): that layer clears the depth buffer, so its copies
show over the bone, faintly (``*_OPACITY``), and each zone's outline (its silhouette from the camera,
vtkPolyDataSilhouette) is drawn clearly, so a zone reads as a contour inside the vertebra. Where a part
is not hidden its copy lies over the part itself, in its own colour: it looks the same.

The copies share the originals' mappers (no geometry is copied) and take their visibility and colour
before every frame (the render window's StartEvent). Their opacity follows the bone's (``bone_opacity``
0..1, the view's bone-opacity control): at full bone the hidden parts show at ``*_OPACITY``; as the bone
is made more transparent the originals show through it themselves and the copies fade with it; with the
bone hidden (0) there is nothing to see through and no copy is drawn.
"""

from __future__ import annotations

from vtkmodules.vtkFiltersHybrid import vtkPolyDataSilhouette
from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper, vtkRenderer

ITEM_OPACITY = 0.55  # needles, antennas, thermocouples and their tips seen through the bone
FILL_OPACITY = 0.22  # a zone's or a target's surface seen through the bone
OUTLINE_OPACITY = 0.95  # a zone's outline seen through the bone
OUTLINE_WIDTH_PX = 2.0
LAYER = 1  # above the scene (layer 0); the orientation marker's renderer draws in its own corner


class SeeThrough:
    """Copies of ``provider()``'s actors drawn over the scene of ``renderer`` (see the module docstring).

    ``provider`` () -> [(actor, kind)], kind "item" (a tube or tip ball), "fill" (a target) or "zone"
    (surface and outline)."""

    def __init__(self, renderer, render_window, provider=lambda: ()):
        self.renderer = renderer
        self.provider = provider
        self.bone_opacity = 1.0
        self.enabled = True
        self.layer = vtkRenderer()
        self.layer.SetLayer(LAYER)
        self.layer.InteractiveOff()
        self.layer.SetActiveCamera(renderer.GetActiveCamera())
        if render_window.GetNumberOfLayers() <= LAYER:
            render_window.SetNumberOfLayers(LAYER + 1)
        render_window.AddRenderer(self.layer)
        self._copies: dict[int, tuple] = {}  # id(original) -> (original, copy, outline or None)
        render_window.AddObserver("StartEvent", lambda *_: self.sync())

    def copies(self) -> list[tuple[vtkActor, vtkActor, vtkActor | None]]:
        """(original, copy, outline) of every actor drawn through the bone."""
        return list(self._copies.values())

    def sync(self) -> None:
        """Match the copies to the originals now: one per original, its colour and visibility."""
        wanted = {id(actor): (actor, kind) for actor, kind in self.provider()}
        for key in [k for k in self._copies if k not in wanted]:
            _original, copy, outline = self._copies.pop(key)
            self.layer.RemoveActor(copy)
            if outline is not None:
                self.layer.RemoveActor(outline)
        fade = min(max(float(self.bone_opacity), 0.0), 1.0)
        on = self.enabled and fade > 0.0
        for key, (actor, kind) in wanted.items():
            entry = self._copies.get(key)
            if entry is None:
                entry = self._copies[key] = self._make(actor, kind)
            _original, copy, outline = entry
            if copy.GetMapper() is not actor.GetMapper():
                copy.SetMapper(actor.GetMapper())
            shown = int(on and actor.GetVisibility())
            rgb = actor.GetProperty().GetColor()
            copy.SetVisibility(shown)
            copy.GetProperty().SetColor(*rgb)
            copy.GetProperty().SetOpacity((ITEM_OPACITY if kind == "item" else FILL_OPACITY) * fade)
            if outline is not None:
                source = outline.GetMapper().GetInputConnection(0, 0).GetProducer()
                poly = actor.GetMapper().GetInput()
                if source.GetInput() is not poly:
                    source.SetInputData(poly)
                outline.SetVisibility(shown)
                outline.GetProperty().SetColor(*rgb)
                outline.GetProperty().SetOpacity(OUTLINE_OPACITY * fade)

    def _make(self, actor, kind: str) -> tuple:
        copy = vtkActor()
        copy.SetMapper(actor.GetMapper())
        copy.PickableOff()
        prop = copy.GetProperty()
        prop.SetAmbient(0.4)
        prop.SetDiffuse(0.6)
        prop.SetSpecular(0.0)
        self.layer.AddActor(copy)
        outline = None
        if kind == "zone":
            silhouette = vtkPolyDataSilhouette()
            silhouette.SetInputData(actor.GetMapper().GetInput())
            silhouette.SetCamera(self.renderer.GetActiveCamera())
            silhouette.SetEnableFeatureAngle(0)
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(silhouette.GetOutputPort())
            outline = vtkActor()
            outline.SetMapper(mapper)
            outline.PickableOff()
            outline.GetProperty().SetLineWidth(OUTLINE_WIDTH_PX)
            outline.GetProperty().SetLighting(False)
            self.layer.AddActor(outline)
        return actor, copy, outline

