"""The Temperatures dock's status line: wrapped, at most :data:`STATUS_MAX_LINES` lines tall, the rest
scrolled (issue 19).

The status grows with the model's warnings ("The thermal region reaches 12 mm beyond the scan; ..."):
with the label laid straight into the panel, every extra line raised the dock's minimum height, and in a
window that could not grow (maximised, or a laptop's 768 px screen: the four right-hand docks already
ask 923 px on the sample) the dock was squeezed below that minimum and the plot's time axis was cut off
(screenshot round of issue 19, a 4-line status). Here the label sits in a scroll area whose height is
the label's wrapped height at the area's width, capped at :data:`STATUS_MAX_LINES` lines: the panel's
minimum height no longer depends on the text, and a longer text is all there (scrolled, and in the
tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy

#: Lines shown without scrolling: the bioheat summary with the lesion's coverage wraps to 4 lines in the
#: 320 px right-hand column of a 1600 px window (the 07-lesion shot of docs/case_walkthrough.py).
STATUS_MAX_LINES = 4


class StatusLabel(QLabel):
    """A wrapped label that tells ``on_text`` when its text changes (QLabel has no such signal)."""

    def __init__(self, text: str = "", parent=None, on_text=None):
        super().__init__(parent)
        self.on_text = None
        self.setWordWrap(True)
        self.setText(text)
        self.on_text = on_text

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        super().setText(text)
        self.setToolTip(text)  # the whole text, also when it runs past the lines shown
        if self.on_text is not None:
            self.on_text()


class StatusArea(QScrollArea):
    """The scroll area holding ``label``; its height fits the wrapped text up to :data:`STATUS_MAX_LINES`."""

    def __init__(self, text: str, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.label = StatusLabel(text, on_text=self.fit)
        self.label.setAutoFillBackground(False)
        self.setWidget(self.label)
        self.fit()

    def cap_px(self) -> int:
        """The height of :data:`STATUS_MAX_LINES` lines of the label's font, with its margins."""
        m = self.label.contentsMargins()
        return STATUS_MAX_LINES * self.label.fontMetrics().lineSpacing() + m.top() + m.bottom()

    def wanted_px(self, width: int) -> int:
        """The label's wrapped height at ``width`` px (its whole text), at most :meth:`cap_px`."""
        return min(max(self.label.heightForWidth(max(width, 1)), self.label.fontMetrics().height()), self.cap_px())

    def fit(self) -> None:
        """Make the area as tall as the text needs at its present width (at most the cap)."""
        h = self.wanted_px(self.width())
        if h != self.height() or self.minimumHeight() != h:
            self.setFixedHeight(h)

    def resizeEvent(self, event):  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit()  # the text wraps anew at the new width
