"""Readout rows (from :mod:`planner.session.readouts`) for the panels: rich text, or a grid of labels
that a drag step updates in place.

Issue 15: the properties panel showed its readouts as one rich-text ``QLabel``; every mouse move of a
drag replaced the whole text, and Qt laid the rich text and the dock out again (about 12-19 ms of a
move on the lumbar scan). :class:`ReadoutGrid` keeps one plain-text label per value and, while the
rows stay the same (same labels in the same order), sets only the values that changed. A value label
has a fixed size (``QWidget.setFixedSize``), so ``setText`` does not invalidate the layout: Qt's
``QWidget::updateGeometry`` asks the parent layout to recompute only when a widget's minimum and
maximum sizes differ. The fixed width is rounded up with some slack (:data:`WIDTH_SLACK_CHARS`), so
"9.8 mm" -> "10.2 mm" fits the same box; only a longer value or new rows lay the panel out again.
"""

from __future__ import annotations

import math
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from planner.session.readouts import item_rows, plan_rows

#: A readout longer than this (a device table's source text runs to several hundred characters) is cut
#: to one line in the panel, the whole text in the tooltip: the safety findings below keep their room.
LONG_READOUT_CHARS = 60
#: A value label is this many average characters wider than its first text, so a number that grows by
#: a digit during a drag still fits without a new layout.
WIDTH_SLACK_CHARS = 3
#: Values longer than this wrap (and keep a free size) instead of getting a fixed one-line box.
WRAP_CHARS = 28
QWIDGETSIZE_MAX = (1 << 24) - 1


def rows_html(rows) -> str:
    body = "".join(f"<tr><td>{escape(k)}</td><td><b>{escape(v)}</b></td></tr>" for k, v in rows)
    return f"<table cellspacing='2'>{body}</table>"


def item_readouts(session, item_id: str) -> str:
    return rows_html(item_rows(session, item_id))


def plan_readouts(session) -> str:
    return rows_html(plan_rows(session))


def elided_rows(rows) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(rows with values longer than ``LONG_READOUT_CHARS`` cut at a word and "…", {label: full text}
    of the cut rows, for the tooltips)."""
    shown, full = [], {}
    for key, value in rows:
        if len(value) > LONG_READOUT_CHARS:
            cut = value[:LONG_READOUT_CHARS].rsplit(" ", 1)[0]
            shown.append((key, cut + " … (hover for the full text)"))
            full[key] = value
        else:
            shown.append((key, value))
    return shown, full


def set_text_in_place(label: QLabel, text: str) -> bool:
    """Set a one-line plain ``text`` in ``label`` keeping the label's fixed box (made once, with
    ``WIDTH_SLACK_CHARS`` of slack) while the text fits; returns True when the box had to change (the
    label's layout then runs once). For labels updated on every mouse move (status bar, readouts)."""
    metrics = label.fontMetrics()
    need_w = metrics.horizontalAdvance(text) + 2 * label.margin() + 2
    need_h = metrics.height() + 2 * label.margin()
    fixed = label.minimumSize() == label.maximumSize() and not label.wordWrap()
    grown = not fixed or need_w > label.minimumWidth() or need_h != label.minimumHeight()
    if grown:
        label.setWordWrap(False)
        label.setFixedSize(int(math.ceil(need_w + WIDTH_SLACK_CHARS * metrics.averageCharWidth())), need_h)
    if label.text() != text:
        label.setText(text)
        lay_out_text_now(label)
    return grown


def lay_out_text_now(label: QLabel) -> None:
    """Lay out a selectable label's text now, so one ``setText`` costs one paint, not two.

    A label with text interaction (``TextSelectableByMouse``) draws through a text control whose
    document is laid out lazily, at the first paint after ``setText``; that layout asks for a second
    repaint of the label, painted by the next backing-store sync (seen on the findings dock's readouts
    during a drag: 2 paints per move, tests/ui/test_one_paint_per_move.py). Asking for the size hint
    lays the document out before the paint. Plain labels need nothing."""
    if label.textInteractionFlags() != Qt.NoTextInteraction:
        label.sizeHint()


class ReadoutGrid(QWidget):
    """Two columns of plain-text labels (label, bold value); :meth:`set_rows` updates in place.

    ``layouts`` counts how often a call had to lay the grid out again (new rows, or a value that no
    longer fits its box); ``text()`` and ``toolTip()`` give what is shown, for tests and copy-paste."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(1, 1)
        self._keys: tuple[str, ...] = ()
        self._values: list[QLabel] = []
        self._labels: list[QLabel] = []
        self._shown: list[tuple[str, str]] = []
        self._bold = QFont(self.font())
        self._bold.setBold(True)
        self.layouts = 0

    # --- what is shown -------------------------------------------------------------------------
    def rows(self) -> list[tuple[str, str]]:
        return list(self._shown)

    def text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self._shown)

    def value_label(self, key: str) -> QLabel:
        return self._values[self._keys.index(key)]

    # --- updating ------------------------------------------------------------------------------
    def set_rows(self, rows) -> None:
        """Show ``rows`` ((label, value) pairs; long values cut, their full text in the tooltips)."""
        shown, full = elided_rows(rows)
        keys = tuple(k for k, _ in shown)
        if keys != self._keys:
            self._rebuild(shown)
        else:
            for label, (key, value), (_, old) in zip(self._values, shown, self._shown):
                if value != old:
                    self._set_value(label, value)
        self._shown = shown
        for label, (key, _) in zip(self._values, shown):
            tip = full.get(key, "")
            if label.toolTip() != tip:
                label.setToolTip(tip)
        whole = "\n\n".join(f"{k}: {v}" for k, v in full.items())
        if self.toolTip() != whole:
            self.setToolTip(whole)

    def _rebuild(self, shown) -> None:
        for label in self._labels + self._values:
            self._grid.removeWidget(label)
            label.hide()  # deleted at the next return to the event loop: until then it stayed drawn at its old place
            label.deleteLater()
        self._labels, self._values = [], []
        for row, (key, value) in enumerate(shown):
            name = QLabel(key)
            name.setTextFormat(Qt.PlainText)  # short labels, one line each
            name.setTextInteractionFlags(Qt.TextSelectableByMouse)
            label = QLabel()
            label.setTextFormat(Qt.PlainText)
            label.setFont(self._bold)
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            label.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
            label.setObjectName(f"readout_{row}")
            self._set_value(label, value, relayout=False)
            self._grid.addWidget(name, row, 0, Qt.AlignLeft | Qt.AlignTop)
            self._grid.addWidget(label, row, 1)
            self._align(label)
            self._labels.append(name)
            self._values.append(label)
        self._keys = tuple(k for k, _ in shown)
        self.layouts += 1

    def _align(self, label: QLabel) -> None:
        """A fixed box sits at the left of its cell (aligned, so the column may be wider than the box);
        a wrapping value fills its cell (no alignment, so it gets its height for the cell's width)."""
        wanted = Qt.Alignment() if label.wordWrap() else Qt.AlignLeft | Qt.AlignVCenter
        self._grid.setAlignment(label, wanted)

    def _set_value(self, label: QLabel, value: str, relayout: bool = True) -> None:
        """Put ``value`` in ``label``; lay out again only when it does not fit the label's fixed box."""
        if len(value) > WRAP_CHARS:  # a sentence: wraps with the panel's width, free size
            if label.maximumWidth() != QWIDGETSIZE_MAX or not label.wordWrap():
                label.setMinimumSize(0, 0)
                label.setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX)
                label.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
                label.setWordWrap(True)
                self._align(label)
            if label.text() != value:
                label.setText(value)
                lay_out_text_now(label)
            self.layouts += relayout
            return
        wrapped = label.wordWrap()
        grown = set_text_in_place(label, value)
        if wrapped:
            self._align(label)
        self.layouts += relayout and grown
