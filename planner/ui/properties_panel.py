"""Properties of the selected item: exact coordinates, angles and depth, device settings, readouts.

The rows come from the item's field declarations (:func:`planner.plan.fields.editors`): a field
declared with an ``Editor`` gets a row here with no edit to this file. Rows derived from several fields
(a needle's angles and depth, a target's semi-axes) are the item kinds' extra rows below.
Every edit becomes an undoable command; values shown come from the item and the session's evaluation.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QLabel, QLineEdit, QMessageBox,
    QScrollArea, QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget,
)

from planner.core.errors import PlannerError
from planner.geometry.trajectory import direction_from_angles, trajectory_angles
from planner.plan import commands
from planner.plan.fields import editors
from planner.session.readouts import item_rows
from planner.ui.point_editor import PointEditor
from planner.ui.readouts import LONG_READOUT_CHARS, ReadoutGrid  # noqa: F401 (the limit is re-exported)
from planner.ui.qt_links import connect_while_alive

MIN_HEIGHT_PX = 220  # name, entry, tip and the first readouts stay in view when the findings need room
#: What the panel says with nothing selected, in place of an empty form beside an empty scroll bar (issue 19).
NOTHING_SELECTED_HINT = ("Click a needle, antenna, thermocouple or target in a view or in the plan list "
                         "to see its figures and edit it here.")


def _spin(lo, hi, decimals=1, suffix=" mm", step=1.0) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    s.setSuffix(suffix)
    s.setKeyboardTracking(False)
    return s


def _choices(kind) -> tuple[str, ...]:
    return (("",) if getattr(kind, "allow_empty", False) else ()) + tuple(kind.values)


def _show(widget: QWidget, value) -> None:
    """Put an item's value into its editor (signals are blocked by the caller)."""
    if isinstance(widget, QLineEdit):
        widget.setText(value)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(value)
    elif isinstance(widget, PointEditor):
        widget.set_value(value)
    else:
        widget.setValue(value)


class PropertiesPanel(QWidget):
    """Edits the selected needle, antenna, thermocouple or target; shows its readouts."""

    def __init__(self, session, selection, parent=None):
        super().__init__(parent)
        self.session = session
        self.selection = selection
        self.setObjectName("properties_panel")
        self.title = QLabel("Nothing selected")
        self.title.setStyleSheet("font-weight: bold")
        self.form = QFormLayout()
        self.readouts = ReadoutGrid()  # updated in place: a drag step does not lay the dock out (issue 15)
        self.readouts.setObjectName("readouts")
        content = QWidget()
        # issue 19: the form is as wide as the dock (a wide readout is cut at the dock's edge, its row
        # selectable); it no longer scrolls sideways and hides the point boxes and combo arrows
        content.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        layout = QVBoxLayout(content)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.readouts)
        layout.addStretch(1)
        # The form scrolls inside its dock, so the dock can give up height to the safety findings.
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("properties_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        # issue 19: the scroll bar's room is kept whether the form fits or not; coming and going, it
        # changed the form's width after an edit or a selection, so the point boxes restacked, the
        # wrapped readouts kept a height for the old width (clipped) and the panel settled twice
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOn)
        self.scroll.setWidget(content)
        # issue 19: with nothing selected the bar stood empty beside an empty form; a hint takes the
        # scroll area's place then. The two are pages of one stack, whose size is the larger page's,
        # so the dock's width is the same whichever is shown.
        self.hint = _hint_page()
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.hint)
        self.pages.addWidget(self.scroll)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self.setMinimumHeight(MIN_HEIGHT_PX)
        self.fields: dict[str, QWidget] = {}
        self._names: dict[str, str] = {}  # row key (the field's JSON key) -> item attribute
        self._item_id = None
        self.position_frame = "LPS"  # how the point editors read (issue 19): set_position_frame
        connect_while_alive(selection.changed, self, self.show_item)
        plan = session.plan
        for signal in (plan.item_changed, plan.item_removed, plan.reset):
            signal.connect(self._on_plan_changed)
        connect_while_alive(session.evaluated, self, lambda ev: self._update_readouts())

    # --- building the form ---------------------------------------------------------------------
    def _clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields.clear()
        self._names.clear()

    def show_item(self, item_id) -> None:
        self._item_id = item_id if item_id in self.session.plan else None
        self._clear()
        if self._item_id is None:
            self.title.setText("Nothing selected")
            self.readouts.set_rows([])
            self.pages.setCurrentWidget(self.hint)
            return
        self.pages.setCurrentWidget(self.scroll)
        item = self.session.plan.get(self._item_id)
        self.title.setText(f"{item.KIND.capitalize()}: {item.name}")
        self._build(item)
        self._update_values()
        self._update_readouts()

    def _add(self, key: str, label: str, widget: QWidget) -> None:
        widget.setObjectName(f"prop_{key}")
        self.fields[key] = widget
        self.form.addRow(label, widget)

    def _build(self, item) -> None:
        """One row per declared field with an editor (planner.plan.fields), then the item's derived rows."""
        extra = _DERIVED_ROWS.get(item.KIND)
        for name, spec in editors(item):
            if name == "locked" and extra is not None:
                extra(self)
                extra = None
            self._add(spec.key, spec.editor.label, self._editor(name, spec))
            self._names[spec.key] = name
        if extra is not None:
            extra(self)

    def _editor(self, name: str, spec) -> QWidget:
        ed = spec.editor
        if ed.widget == "text":
            box = QLineEdit()
            box.editingFinished.connect(lambda: self._set_text(name, box.text()))
            return box
        if ed.widget == "check":
            box = QCheckBox(spec.label.capitalize())
            box.toggled.connect(lambda on: self._push(commands.lock(self._item_id, on)))
            return box
        if ed.widget in ("choice", "device"):
            box = QComboBox()
            values = sorted(self.session.devices.devices) if ed.widget == "device" else _choices(spec.kind)
            box.addItems(list(values))
            box.activated.connect(lambda _i: self._set(**{name: box.currentText()}))
            return box
        if ed.widget == "point":
            return PointEditor(lambda p: self._set(**{name: p}), frame=self.position_frame)
        if ed.widget == "integer":
            box = QSpinBox()
            box.setRange(int(ed.lo), int(ed.hi))
        else:
            box = _spin(ed.lo, ed.hi, ed.decimals, ed.suffix)
        box.editingFinished.connect(lambda: self._set(**{name: box.value()}))
        return box

    def _needle_rows(self) -> None:
        medial = _spin(-89, 89, 1, " °")
        cranial = _spin(-89, 89, 1, " °")
        depth = _spin(1, 400, 1)
        for w in (medial, cranial, depth):
            w.editingFinished.connect(self._set_from_angles)
        self._add("medial", "Medial angle", medial)
        self._add("cranial", "Cranial angle", cranial)
        self._add("depth", "Entry → tip", depth)

    def _target_rows(self) -> None:
        for i, axis in enumerate("abc"):
            box = _spin(0.5, 100, 1)
            box.editingFinished.connect(lambda i=i, b=box: self._set_semi_axis(i, b.value()))
            self._add(f"semi_{axis}", f"Semi-axis {axis}", box)

    def set_position_frame(self, frame: str) -> None:
        """Show and take the points in ``frame`` ("LPS" or "RAS"); the plan stays LPS."""
        self.position_frame = frame
        for widget in self.fields.values():
            if isinstance(widget, PointEditor):
                widget.set_frame(frame)

    # --- values --------------------------------------------------------------------------------
    def _on_plan_changed(self, *args) -> None:
        if self._item_id is not None and self._item_id not in self.session.plan:
            self.show_item(None)
        elif len(args) >= 2 and args[1] != self._item_id:
            return  # another item changed: nothing shown here depends on it
        elif self.session.interactive and self.session.schedule is not None:
            self.session.schedule(self._update_values)  # a drag: once per frame, painted with it (issue 15)
        else:
            self._update_values()

    def _update_values(self) -> None:
        if self._item_id is None or self._item_id not in self.session.plan:
            return
        item = self.session.plan.get(self._item_id)
        f = self.fields
        for key, widget in f.items():
            widget.blockSignals(True)
        try:
            for key, name in self._names.items():
                _show(f[key], getattr(item, name))
            if item.KIND == "needle":
                angles = trajectory_angles(item.entry_lps, item.tip_lps, item.side)
                f["medial"].setValue(angles.medial_deg)
                f["cranial"].setValue(angles.cranial_deg)
                f["depth"].setValue(item.length_mm)
            if item.KIND == "target":
                for i, axis in enumerate("abc"):
                    f[f"semi_{axis}"].setValue(item.semi_axes_mm[i])
        finally:
            for widget in f.values():
                widget.blockSignals(False)

    def _update_readouts(self) -> None:
        if self._item_id is None or self._item_id not in self.session.plan:
            self.readouts.set_rows([])
            return
        self.readouts.set_rows(item_rows(self.session, self._item_id))

    # --- edits ---------------------------------------------------------------------------------
    def _push(self, command) -> None:
        try:
            self.session.stack.push(command)
        except PlannerError as exc:
            QMessageBox.warning(self, "Cannot change the item", str(exc))
            self._update_values()

    def _set(self, **values) -> None:
        if self._item_id is not None:
            self._push(commands.set_fields(self._item_id, **values))

    def _set_text(self, name: str, text: str) -> None:
        if self._item_id is None or text == getattr(self.session.plan.get(self._item_id), name):
            return
        if name == "name":
            if text:
                self._push(commands.rename(self._item_id, text))
        else:
            self._set(**{name: text})

    def _set_semi_axis(self, index: int, value: float) -> None:
        item = self.session.plan.get(self._item_id)
        semi = list(item.semi_axes_mm)
        semi[index] = value
        kind = "sphere" if len(set(semi)) == 1 else "ellipsoid"
        self._set(semi_axes_mm=tuple(semi), kind=kind)

    def _set_from_angles(self) -> None:
        """Keep the entry; put the tip at the typed depth along the typed angles (patient axes)."""
        item = self.session.plan.get(self._item_id)
        f = self.fields
        try:
            d = direction_from_angles(f["medial"].value(), f["cranial"].value(), item.side)
        except PlannerError as exc:
            QMessageBox.warning(self, "Cannot set the angles", str(exc))
            return
        tip = np.asarray(item.entry_lps) + d * f["depth"].value()
        if not np.allclose(tip, item.tip_lps, atol=1e-3):
            self._set(tip_lps=tuple(tip))


def _hint_page() -> QWidget:
    """"Nothing selected" and :data:`NOTHING_SELECTED_HINT`, wrapped to the dock's width (never widening it)."""
    page = QWidget()
    page.setObjectName("properties_hint")
    page.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
    title = QLabel("Nothing selected")
    title.setStyleSheet("font-weight: bold")
    text = QLabel(NOTHING_SELECTED_HINT)
    text.setObjectName("properties_hint_text")
    text.setWordWrap(True)
    text.setStyleSheet("color: palette(mid)")
    text.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
    layout = QVBoxLayout(page)
    layout.addWidget(title)
    layout.addWidget(text)
    layout.addStretch(1)
    return page


_DERIVED_ROWS = {"needle": PropertiesPanel._needle_rows, "target": PropertiesPanel._target_rows}
