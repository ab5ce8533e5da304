"""The status bar's two position readouts: the point under the mouse and the crosshair, in the display
frame the user chose (LPS or RAS, issue 19), each in a fixed box so a new text never relays the window
out (issue 15). While a drag runs, the hover text is shown once per frame with the frame's update."""

from __future__ import annotations

from planner.core.position_text import format_position
from planner.ui.readouts import set_text_in_place


class PositionReadouts:
    """Fills ``window.hover_label`` and ``window.cursor_label``."""

    def __init__(self, window):
        self.w = window
        self._hover = None

    def on_hover(self, payload) -> None:
        """``payload``: ``(lps, hu)`` of the point under the mouse, or None when it left the image."""
        self._hover = payload
        if self.w.session.interactive:
            self.w.frame.request(self._show_hover)
        else:
            self._show_hover()

    def _show_hover(self) -> None:
        payload = self._hover
        text = "" if payload is None else format_position(*payload, self.w.view_prefs.position_frame)
        set_text_in_place(self.w.hover_label, text)

    def on_cursor(self, lps) -> None:
        volume = self.w.volume
        hu = volume.hu_at_lps(lps) if volume is not None else None
        set_text_in_place(self.w.cursor_label, "Crosshair " + format_position(lps, hu, self.w.view_prefs.position_frame))
