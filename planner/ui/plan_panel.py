"""The plan tree: levels, needles (with their antennas), thermocouples and targets, by id.

Selecting a row selects the item everywhere (the shared :class:`Selection`); the row's colour shows the
worst finding about that item from the latest evaluation.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from planner.core import palette
from planner.analysis.thresholds import Severity
from planner.ui.qt_links import connect_while_alive

SEVERITY_COLORS = {s: QColor(*palette.SEVERITY[s.value]) for s in (Severity.CRITICAL, Severity.WARNING)}
GROUPS = (("level", "Levels"), ("needle", "Needles"), ("thermocouple", "Thermocouples"), ("target", "Targets"))


class PlanTree(QWidget):
    """Tree view of the plan; rebuilt on plan changes, selection kept by id."""

    def __init__(self, session, selection, parent=None):
        super().__init__(parent)
        self.session = session
        self.selection = selection
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("plan_tree")
        self.tree.setHeaderLabels(["Item", "Details"])
        self.tree.setColumnWidth(0, 190)
        self.tree.itemSelectionChanged.connect(self._on_tree_selection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._updating = False
        plan = session.plan
        for signal in (plan.item_added, plan.item_removed, plan.reset):
            signal.connect(self.rebuild)
        connect_while_alive(plan.item_changed, self, self._update_row)  # an edit (a drag step) changes one row, not the tree
        self._shown: dict[str, tuple] = {}
        self._pending_rows: dict[str, str] = {}  # item id -> kind, refreshed at the end of a drag's frame
        connect_while_alive(session.evaluated, self, self._color_rows)
        connect_while_alive(selection.changed, self, self._select_row)
        self.rebuild()

    def _update_row(self, kind: str, item_id: str, fields=()) -> None:
        """Refresh the texts of the changed item's row only (a rename or lock changes the label); during a
        drag once per frame, with the frame's update (``session.schedule``, issue 15)."""
        schedule = getattr(self.session, "schedule", None)
        if getattr(self.session, "interactive", False) and schedule is not None:
            self._pending_rows[item_id] = kind
            schedule(self._update_pending_rows)
            return
        self._refresh_row(kind, item_id)

    def _update_pending_rows(self) -> None:
        pending, self._pending_rows = self._pending_rows, {}
        for item_id, kind in pending.items():
            self._refresh_row(kind, item_id)

    def _refresh_row(self, kind: str, item_id: str) -> None:
        row = self._rows.get(item_id)
        if row is None or item_id not in self.session.plan:
            self.rebuild()
            return
        item = self.session.plan.get(item_id)
        if kind == "antenna":
            texts = ("Antenna", f"{item.power_w:g} W · {item.time_s:g} s · +{item.extension_mm:g} mm")
        else:
            texts = (self._label(item), self._details(item))
        changed = False
        for column, text in enumerate(texts):
            if row.text(column) != text:
                row.setText(column, text)
                changed = True
        if changed:  # laid out now, so the row is drawn in this move's window repaint, not the next (issue 15)
            self.tree.executeDelayedItemsLayout()

    def rebuild(self, *args) -> None:
        self._updating = True
        self.tree.clear()
        self._rows.clear()
        self._shown.clear()
        plan = self.session.plan
        for kind, title in GROUPS:
            group = QTreeWidgetItem(self.tree, [title, ""])
            group.setFlags(Qt.ItemIsEnabled)
            group.setExpanded(True)
            for item in plan.items(kind):
                row = QTreeWidgetItem(group, [self._label(item), self._details(item)])
                row.setData(0, Qt.UserRole, item.id)
                self._rows[item.id] = row
                if kind == "needle":
                    antenna = plan.antenna_for(item.id)
                    if antenna is not None:
                        child = QTreeWidgetItem(row, ["Antenna", f"{antenna.power_w:g} W · {antenna.time_s:g} s · "
                                                                 f"+{antenna.extension_mm:g} mm"])
                        child.setData(0, Qt.UserRole, antenna.id)
                        self._rows[antenna.id] = child
                        row.setExpanded(True)
        self._updating = False
        self._select_row(self.selection.item_id)
        if self.session.evaluation is not None:
            self._color_rows(self.session.evaluation)

    @staticmethod
    def _label(item) -> str:
        lock = " 🔒" if getattr(item, "locked", False) else ""
        return f"{item.name}{lock}"

    @staticmethod
    def _details(item) -> str:
        if item.KIND == "needle":
            level = f"{item.level} " if item.level else ""
            return f"{level}{item.side} {item.approach} {item.gauge} · {item.length_mm:.0f} mm"
        if item.KIND == "thermocouple":
            return f"alarm {item.alarm_c:g} °C · pre-alarm {item.prealarm_c:g} °C"
        if item.KIND == "target":
            return f"{item.kind} {' × '.join(f'{2 * s:.0f}' for s in item.semi_axes_mm)} mm"
        if item.KIND == "level":
            return "level"
        return ""

    def _color_rows(self, evaluation) -> None:
        """Colour each row by its worst finding; only rows whose colour or tooltip changed are touched.

        While a drag runs (``session.interactive``) a row whose colour stays is left alone even when its
        tooltip's numbers changed: a new tooltip repaints the row (the view redraws an item on any
        data change) yet shows nothing while the mouse drags; the release's evaluation sets it (issue 15)."""
        by_item: dict[str, list] = {}
        for f in evaluation.findings:
            by_item.setdefault(f.item_id, []).append(f)
        dragging = getattr(self.session, "interactive", False)
        for item_id, row in self._rows.items():
            findings = by_item.get(item_id, ())
            worst = max((f.severity for f in findings), key=lambda s: s.rank, default=Severity.INFO)
            tip = "\n".join(f.message for f in findings)
            shown = self._shown.get(item_id)
            if shown == (worst, tip) or (dragging and shown is not None and shown[0] == worst):
                continue
            self._shown[item_id] = (worst, tip)
            color = SEVERITY_COLORS.get(worst)
            row.setForeground(0, QBrush(color) if color else QBrush())
            row.setToolTip(0, tip)

    def _on_tree_selection(self) -> None:
        if self._updating:
            return
        rows = self.tree.selectedItems()
        item_id = rows[0].data(0, Qt.UserRole) if rows else None
        self.selection.select(item_id)

    def _select_row(self, item_id) -> None:
        self._updating = True
        self.tree.clearSelection()
        row = self._rows.get(item_id) if item_id else None
        if row is not None:
            row.setSelected(True)
            self.tree.scrollToItem(row)
        self._updating = False
