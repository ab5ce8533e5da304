"""A status bar whose temporary messages are read in full (issue 19).

``QStatusBar`` draws a temporary message in the room left of its first visible permanent widget and
clips it there: on the sample, the vertebrae's message ("3 vertebral bodies were found, but neither the
sacrum nor …") was cut off under the permanent "Levels not named automatically" label. Here a message
that does not fit makes room first, as a PACS or 3D Slicer user expects the last message to be readable:

1. the permanent readouts registered with :meth:`FittingStatusBar.may_yield` step aside (are hidden),
   in the order registered (the series' size, the level summary, the crosshair readout), only as many
   as needed, and come back when the message ends or the next one comes; a permanent widget that
   appears while the message is up (the bone surface's progress bar) makes more of them step aside;
2. a message longer than the whole bar is elided with "…" and its full text is the bar's tooltip;
3. a message shown with a ``detail`` (a short headline of a long explanation: the vertebrae's search,
   :mod:`planner.ui.spine_status`) has the detail as the bar's tooltip while it is up.

Progress bars and Cancel buttons never step aside. Messages shown by Qt itself (a menu item's status
tip) are short and shown as Qt does.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QStatusBar, QWidget

# QStatusBar's message rectangle (qstatusbar.cpp, QStatusBarPrivate::messageRect): from x = 6 to the
# first visible permanent widget's x - 2 (else to the bar's width - 12).
_MESSAGE_LEFT_PX = 6
_BEFORE_PERMANENT_PX = 2
_RIGHT_END_PX = 12


class FittingStatusBar(QStatusBar):
    """See the module docstring."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("status_bar")
        self._yielding: list[QWidget] = []  # may step aside, in this order
        self._yielded: list[QWidget] = []  # hidden for the message shown now
        self._permanent: list[QWidget] = []  # every permanent widget
        self._full_text = ""  # the message shown now, in full
        self._detail = ""  # its longer explanation (the tooltip while it is up), when one was given
        self._ends_at: float | None = None  # time.monotonic() when it times out (None: until the next)
        self._check_pending = False
        self.messageChanged.connect(self._on_message_changed)

    # --- permanent widgets ---------------------------------------------------------------------
    def addPermanentWidget(self, widget, stretch: int = 0) -> None:  # noqa: N802 - Qt's name
        super().addPermanentWidget(widget, stretch)
        self._watch(widget)

    def insertPermanentWidget(self, index: int, widget, stretch: int = 0) -> int:  # noqa: N802
        at = super().insertPermanentWidget(index, widget, stretch)
        self._watch(widget)
        return at

    def _watch(self, widget) -> None:
        """A permanent widget shown, hidden or resized while a message is up (a progress bar appearing
        or ending) changes its room: the message's room is checked again then."""
        self._permanent.append(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if (event.type() in (QEvent.Show, QEvent.Hide, QEvent.Resize) and self._full_text and not self._check_pending
                and watched in self._permanent):
            self._check_pending = True
            QTimer.singleShot(0, self, self._check_room)
        return False

    def _check_room(self) -> None:
        """The message shown now still fits, else more readouts step aside; a message shortened when a
        progress bar took its room is shown in full again once the room is back (its timer runs on)."""
        self._check_pending = False
        if not (self._full_text and self.currentMessage()):
            return
        self._make_room(self._full_text)
        shown = self._fitted(self._full_text)
        if shown != self.currentMessage():
            left_ms = 0 if self._ends_at is None else max(1, int(1000 * (self._ends_at - time.monotonic())))
            self.setToolTip(self._detail or (self._full_text if shown != self._full_text else ""))
            super().showMessage(shown, left_ms)

    def _fitted(self, text: str) -> str:
        """``text``, elided with "…" when it is wider than the message's room now."""
        room = self.message_room_px()
        if self.text_width_px(text) <= room:
            return text
        return self.fontMetrics().elidedText(text, Qt.ElideRight, max(room, 0))

    def removeWidget(self, widget) -> None:  # noqa: N802
        super().removeWidget(widget)
        for group in (self._permanent, self._yielding, self._yielded):
            if widget in group:
                group.remove(widget)

    def may_yield(self, *widgets: QWidget) -> None:
        """Let ``widgets`` (permanent readouts) step aside, in this order, for a message that needs the room."""
        self._yielding += [w for w in widgets if w not in self._yielding]

    # --- messages ------------------------------------------------------------------------------
    def message_room_px(self) -> int:
        """The width QStatusBar gives a temporary message now (its messageRect)."""
        shown = [w.x() for w in self._permanent if w.isVisible()]  # the first in the bar is the leftmost
        right = min(shown) - _BEFORE_PERMANENT_PX if shown else self.width() - _RIGHT_END_PX
        return right - _MESSAGE_LEFT_PX

    def timed_message_up(self) -> bool:
        """True while a message shown with a timeout is up (it will go by itself: a window waiting to
        settle, planner.ui.settle, waits for it)."""
        return bool(self.currentMessage()) and self._ends_at is not None and time.monotonic() < self._ends_at

    def text_width_px(self, text: str) -> int:
        return self.fontMetrics().horizontalAdvance(text)

    def showMessage(self, text: str, timeout: int = 0, detail: str = "") -> None:  # noqa: N802 - Qt's name
        """Show ``text`` for ``timeout`` ms (0: until the next), making room for it; ``detail``, a longer
        explanation, is the bar's tooltip meanwhile (module docstring)."""
        self._restore()
        shown = text
        if text and self.isVisible():
            self._make_room(text)
            shown = self._fitted(text)
        self._detail = detail if text else ""
        self.setToolTip(self._detail or (text if shown != text else ""))
        self._full_text = text
        self._ends_at = time.monotonic() + timeout / 1000.0 if timeout > 0 else None
        super().showMessage(shown, timeout)

    def _make_room(self, text: str) -> None:
        """Hide the readouts that may step aside, in order, until ``text`` fits (or none is left)."""
        for widget in self._yielding:
            if self.text_width_px(text) <= self.message_room_px():
                break
            if widget.isVisible():
                widget.hide()
                self._yielded.append(widget)
                self._relayout()

    def _relayout(self) -> None:
        layout = self.layout()
        if layout is not None:
            layout.activate()

    def _restore(self) -> None:
        if not self._yielded:
            return
        for widget in self._yielded:
            widget.show()
        self._yielded = []
        self._relayout()

    def _on_message_changed(self, text: str) -> None:
        if not text:  # the message ended (timeout, clearMessage): the readouts come back
            self._full_text = ""
            self._detail = ""
            self._restore()
            self.setToolTip("")
