"""A colour key in the 3D view's corner: what each translucent surface is (screenshot round of issue 19: the
neural foramina's violet blocks above and below each level had no name anywhere in the view).

VTK only, no Qt. One line per kind of surface shown (the canal, the predicted zones, the zones' part of the
canal, the neural foramina, the CTV), written in its own colour at the view's top-left corner, in the
renderer layer above the scene (drawn over the bone and its see-through copies); a kind not shown (hidden,
empty, not computed yet) has no line. The lines follow what is shown before every frame (the render
window's StartEvent) and are rebuilt only when that changes.
"""

from __future__ import annotations

from vtkmodules.vtkRenderingCore import vtkTextActor

FONT_PX = 13
LINE_PX = 17
MARGIN_PX = 8


def shown(actor) -> bool:
    """True when ``actor`` is drawn: visible, with an opacity above zero and geometry."""
    if actor is None or not actor.GetVisibility() or actor.GetProperty().GetOpacity() <= 0.0:
        return False
    mapper = actor.GetMapper()
    data = mapper.GetInput() if mapper is not None else None
    return data is not None and data.GetNumberOfPoints() > 0


class Legend3D:
    """Lines ``(text, rgb 0..1)`` of ``provider()`` whose actor is :func:`shown`, drawn in ``draw_in``.

    ``provider`` () -> [(text, rgb, actor or [actors])]: a line is written when any of its actors is shown."""

    def __init__(self, draw_in, render_window, provider=lambda: ()):
        self.draw = draw_in
        self.provider = provider
        self.visible = True
        self._lines: tuple = ()
        self._actors: list[vtkTextActor] = []
        render_window.AddObserver("StartEvent", lambda *_: self.sync())

    def lines(self) -> tuple:
        """The (text, rgb) written now."""
        return self._lines

    def sync(self) -> None:
        lines = []
        for text, rgb, actors in self.provider():
            actors = actors if isinstance(actors, (list, tuple)) else [actors]
            if any(shown(a) for a in actors):
                lines.append((text, tuple(float(c) for c in rgb)))
        lines = tuple(lines) if self.visible else ()
        if lines != self._lines:
            for actor in self._actors:
                self.draw.RemoveViewProp(actor)
            self._actors = [self._text(text, rgb) for text, rgb in lines]
            self._lines = lines
        height = int(self.draw.GetSize()[1])  # placed at every frame: the view may have been resized
        for row, actor in enumerate(self._actors):
            actor.SetDisplayPosition(MARGIN_PX, max(height - MARGIN_PX - row * LINE_PX, 0))

    def _text(self, text: str, rgb) -> vtkTextActor:
        actor = vtkTextActor()
        actor.SetInput(text)
        tp = actor.GetTextProperty()
        tp.SetFontSize(FONT_PX)
        tp.SetColor(*rgb)
        tp.SetBold(True)
        tp.SetBackgroundColor(0.0, 0.0, 0.0)
        tp.SetBackgroundOpacity(0.5)
        tp.SetVerticalJustificationToTop()
        self.draw.AddViewProp(actor)
        return actor
