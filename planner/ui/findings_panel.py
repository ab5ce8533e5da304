"""The findings of the latest evaluation, worst first, with the plan's headline figures.

While a background check runs (the needle corridors, the bioheat model: :meth:`FindingsPanel.watch`) or
the evaluation still lacks some needle's corridor, the panel says "Rechecking…" and greys its rows
(never with no needle in the plan: then nothing is being checked); the
findings of those checks from before the change stay listed (greyed, "rechecking") instead of vanishing,
until the new result replaces them. During a drag nothing is rechecked (results wait for the release),
so no old rows are kept then. The panel keeps a minimum height so the findings are never squeezed
out by the other docks.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSizePolicy, QVBoxLayout, QWidget

from planner.analysis.rules.beyond_vertebra import RULES as BEYOND_RULES
from planner.analysis.rules.corridor import RULES as PATH_RULES
from planner.analysis.rules.foramen import RULES as FORAMEN_RULES
from planner.analysis.rules.thermal import RULES as THERMAL_RULES
from planner.analysis.thresholds import Severity
from planner.core import palette
from planner.plan.labels import finding_text, item_labels
from planner.session.readouts import plan_rows
from planner.ui.readouts import ReadoutGrid
from planner.ui.qt_links import connect_while_alive

COLORS = {s: QColor(*palette.SEVERITY[s.value]) for s in Severity}
PREFIX = {Severity.CRITICAL: "CRITICAL", Severity.WARNING: "WARNING", Severity.INFO: "info"}
STALE_RGB = QColor(*palette.STALE_TEXT)
#: The findings computed by background workers: kept (greyed) while they are being recomputed (the
#: corridors, the bioheat model, and since an edit's per-zone figures left the GUI thread, issue 19, the
#: zones beyond the vertebra and near the foramina: planner.session.evaluate_later).
WORKER_CODES = frozenset(spec.code for spec in (*PATH_RULES, *THERMAL_RULES, *BEYOND_RULES, *FORAMEN_RULES))
RECHECKING = "Rechecking… (greyed: findings from before the last change)"
STATUS_LINES = 2  # the room the "Rechecking…" line keeps: its text wrapped in a 264 px dock
MIN_HEIGHT_PX = 150  # about six rows: the findings keep room beside the plan and properties docks
PREFERRED_HEIGHT_PX = 300  # what the dock asks for when the right-hand docks share the height
STALE_ROLE, CODE_ROLE, SEVERITY_ROLE = Qt.UserRole + 3, Qt.UserRole + 1, Qt.UserRole + 2


def _keep_room_for(label: QLabel, text: str, lines: int = STATUS_LINES) -> None:
    """Make ``label`` wrap ``text`` in the dock's width and keep the same height whether it shows it or
    nothing (issue 19). Unwrapped, "Rechecking…" asked for 364 px, so the right-hand docks widened from
    264 to 368 px while a check ran and fell back after it (every edit, the first one at a case's opening);
    shown and hidden, the label's line moved the findings list up and down as well."""
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)  # never asks the dock for width
    label.setFixedHeight(lines * label.fontMetrics().lineSpacing() + 2 * label.margin() + 2)
    label.setToolTip(text)


class FindingsPanel(QWidget):
    """Click a finding to select the item it is about."""

    def __init__(self, session, selection, parent=None):
        super().__init__(parent)
        self.session = session
        self.selection = selection
        self.summary = ReadoutGrid()  # set in place: a drag step does not lay the dock out (issue 15)
        self.summary.setObjectName("plan_summary")
        self.list = QListWidget(self)
        self.list.setObjectName("findings_list")
        self.list.setWordWrap(True)
        self.list.itemClicked.connect(self._on_click)
        self.status = QLabel("")
        self.status.setObjectName("findings_status")
        _keep_room_for(self.status, RECHECKING)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        self.setMinimumHeight(MIN_HEIGHT_PX)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        self._runners: list = []
        self._shown: tuple = ()  # (finding, stale) pairs in list order
        self._evaluation = None
        connect_while_alive(session.evaluated, self, self.show_evaluation)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(super().sizeHint().width(), PREFERRED_HEIGHT_PX)

    # --- background checks ---------------------------------------------------------------------
    def watch(self, *runners) -> None:
        """Runners with ``busy_changed(bool)`` and ``is_busy()`` (corridor checks, the bioheat model)."""
        for runner in runners:
            if runner is not None:
                self._runners.append(runner)
                runner.busy_changed.connect(self._on_busy)

    def _busy(self) -> bool:
        return any(r.is_busy() for r in self._runners)

    def _on_busy(self, busy: bool) -> None:
        if busy and self._evaluation is not None:
            self.show_evaluation(self._evaluation)
        elif not busy:  # the result is stored (and re-evaluated) right after the worker finishes
            QTimer.singleShot(0, self, self._refresh)

    def _refresh(self) -> None:
        if self._evaluation is not None:
            self.show_evaluation(self._evaluation)

    def rechecking(self) -> bool:
        """True while a finding shown (or about to be) is being recomputed. The background checks are
        about needles (corridors) and their zones (foramina, the bioheat model): with no needle in the
        plan nothing is checked, even while a worker finds the foramina of a new canal (issue 19: an
        empty plan on the T11-T12 scan said "Rechecking…" for the seconds that took)."""
        if not self.session.plan.needles:
            return False
        ev = self._evaluation
        return self._busy() or (ev is not None and not ev.complete)

    # --- rows ----------------------------------------------------------------------------------
    def _stale(self, findings) -> list:
        """Findings of the worker-made kinds shown before that the new evaluation lacks (still being
        recomputed), for items still in the plan."""
        current = {(f.code, f.item_id) for f in findings}
        pending = {n.id for n in self.session.plan.needles} - set(self._evaluation.corridors)
        out = []
        for f, _was_stale in self._shown:
            if f.code not in WORKER_CODES or (f.code, f.item_id) in current:
                continue
            if f.item_id and f.item_id not in self.session.plan:
                continue
            if f.code in {s.code for s in PATH_RULES} and f.item_id not in pending and not self._busy():
                continue
            out.append(f)
        return out

    def show_evaluation(self, evaluation) -> None:
        """Show the evaluation's findings; rows that did not change are left alone (a drag step usually
        changes a few numbers in a few messages)."""
        self._evaluation = evaluation
        self.summary.set_rows(plan_rows(self.session))
        checking = self.rechecking()
        fresh = list(evaluation.findings)
        # while dragging nothing is being rechecked (results are dropped until the release): no old rows
        stale = self._stale(fresh) if checking and not getattr(self.session, "interactive", False) else []
        rows = [(f, False) for f in fresh] + [(f, True) for f in stale]
        self._shown = tuple(rows)
        changed = self.list.count() != len(rows)
        while self.list.count() > len(rows):
            self.list.takeItem(self.list.count() - 1)
        labels = item_labels(self.session.plan)  # the item each row is about, told apart (two antennas)
        for index, (f, old) in enumerate(rows):
            changed |= self._set_row(index, f, old, checking, labels)
        if changed:
            # lay the rows out now, not from the list's zero-delay timer after this frame's paint: the
            # changed rows are then drawn in the same window repaint as the rest (issue 15)
            self.list.executeDelayedItemsLayout()
        status = RECHECKING if checking else ""
        if self.status.text() != status:
            self.status.setText(status)
            self.status.setStyleSheet("color: palette(mid); font-style: italic" if status else "")

    def _set_row(self, index: int, f, stale: bool, checking: bool, labels: dict) -> bool:
        """Show finding ``f`` in row ``index``, tagged with the item it is about (``labels``:
        planner.plan.labels.item_labels), touching only what differs; True when the row changed."""
        row = self.list.item(index)
        changed = row is None
        if row is None:
            row = QListWidgetItem()
            self.list.addItem(row)
        text = f"{PREFIX[f.severity]}: {finding_text(f, labels)}" + (" (rechecking…)" if stale else "")
        if row.text() != text:
            row.setText(text)
            changed = True
        greyed = bool(checking)
        if (row.data(CODE_ROLE) != f.code or row.data(SEVERITY_ROLE) != f.severity.value
                or row.data(STALE_ROLE) != greyed):
            row.setForeground(QBrush(STALE_RGB if greyed else COLORS[f.severity]))
            row.setData(CODE_ROLE, f.code)
            row.setData(SEVERITY_ROLE, f.severity.value)
            row.setData(STALE_ROLE, greyed)
            changed = True
        if row.data(Qt.UserRole) != f.item_id:
            row.setData(Qt.UserRole, f.item_id)
        return changed

    def codes(self) -> list[str]:
        return [self.list.item(i).data(CODE_ROLE) for i in range(self.list.count())]

    def greyed(self) -> list[bool]:
        return [bool(self.list.item(i).data(STALE_ROLE)) for i in range(self.list.count())]

    def _on_click(self, row: QListWidgetItem) -> None:
        item_id = row.data(Qt.UserRole)
        if item_id and item_id in self.session.plan:
            self.selection.select(item_id)
