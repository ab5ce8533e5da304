"""Training mode in the app: pick a task, plan with the reference hidden, Submit, see the score, the
reference overlaid, the feedback in words and the progress over attempts; trainers save the current
plan as the reference of a new task. Scoring runs in a worker thread (corridor checks take seconds).

Construct from ``MainWindow.__init__`` with ``self.training = TrainingActions(self)``.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

from PySide6.QtCore import QObject, QSize, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QMessageBox, QPlainTextEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget)

from planner.core.errors import PlannerError
from planner.plan.document import PlanDocument
from planner.training.grading import grade_attempt
from planner.training.history import AttemptHistory, AttemptRecord
from planner.training.scoring import shown_points
from planner.training.catalog import TaskEntry, case_folders, load_entries
from planner.training.tasks import PassThresholds, TrainingCase, TrainingTask, check_id, save_task, user_task_dir
from planner.ui.load_worker import LoadWorker
from planner.ui.plan_files import Prompts
from planner.ui.qt_links import connect_while_alive
from planner.ui.training_author import AuthorDialog
from planner.ui.training_overlay import ReferenceOverlay

#: The panel's width (issue 19): fixed, so neither a long task title or instruction nor starting a task
#: widens the dock and shrinks the images beside it (it did: 331 -> 396 px on selecting the T12 task).
PANEL_WIDTH_PX = 300


def default_user_data_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or Path.home() / ".spine-planner")


class TrainingPanel(QWidget):
    """The dock's content: trainee, task, timer, Submit, score, feedback, progress."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("training_panel")
        self.trainee = QLineEdit()
        self.trainee.setObjectName("training_trainee")
        self.trainee.setPlaceholderText("Trainee name (keeps the history)")
        self.tasks = QComboBox()
        self.tasks.setObjectName("training_tasks")
        self.tasks.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)  # not the longest title
        self.tasks.setMinimumContentsLength(16)
        self.start = QPushButton("Start task")
        self.submit = QPushButton("Submit")
        self.submit.setObjectName("training_submit")
        self.submit.setEnabled(False)
        self.show_reference = QCheckBox("Show the reference")
        self.show_reference.setEnabled(False)
        self.instructions = QLabel("Choose a task and press Start.")
        self.instructions.setObjectName("training_instructions")
        self.instructions.setWordWrap(True)
        self.attribution = QLabel("")
        self.attribution.setObjectName("training_attribution")
        self.attribution.setWordWrap(True)
        self.attribution.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.attribution.setStyleSheet("font-size: small")  # palette(mid) on the panel's grey was hard to read
        self.clock = QLabel("")
        self.score = QLabel("")
        self.score.setObjectName("training_score")
        self.score.setStyleSheet("font-weight: bold")
        self.feedback = QPlainTextEdit()
        self.feedback.setObjectName("training_feedback")
        self.feedback.setReadOnly(True)
        self.history = QListWidget()
        self.history.setObjectName("training_history")
        self.history.setWordWrap(True)  # "36/100 not pas" was cut, behind a horizontal scrollbar
        for label in (self.instructions, self.attribution):  # their text never sets the panel's width
            label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        row = QHBoxLayout()
        for w in (self.start, self.submit):
            row.addWidget(w)
        layout = QVBoxLayout(self)
        for w in (self.trainee, self.tasks, self.instructions, self.attribution):
            layout.addWidget(w)
        layout.addLayout(row)
        for w in (self.show_reference, self.clock, self.score, self.feedback, QLabel("Progress"), self.history):
            layout.addWidget(w)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(PANEL_WIDTH_PX, super().sizeHint().height())


class TrainingActions(QObject):
    """Adds the Training menu and dock to ``window`` (a MainWindow) and runs the training workflow."""

    graded = Signal(object)  # planner.training.grading.Grade

    def __init__(self, window, user_data_dir=None, case_dir=None):
        super().__init__(window)
        self.w = window
        self.user_data_dir = Path(user_data_dir) if user_data_dir is not None else default_user_data_dir()
        self.case_dirs = [Path(case_dir)] if case_dir is not None else case_folders()
        self.cases: dict[str, TrainingCase] = {}
        self.entries: dict[str, TaskEntry] = {}  # by task id
        self.task: TrainingTask | None = None
        self.started_at: float | None = None
        self.worker: LoadWorker | None = None
        self.last_grade = None
        self._task_levels: frozenset[str] = frozenset()  # the level names the running task put in the plan
        self._task_series: Path | None = None  # the running task's series (another one opened ends the task)
        self.overlay = ReferenceOverlay()
        for view in window.all_2d_views():
            view.overlays.append(self.overlay)
        self.panel = TrainingPanel()
        self.dock = QDockWidget("Training", window)
        self.dock.setObjectName("dock_training")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.LeftDockWidgetArea, self.dock)
        self.dock.hide()
        menu = window.menuBar().addMenu("T&raining")
        window._add_action(menu, "Training &panel", self.show_panel)
        window._add_action(menu, "&Start the selected task", self.start_task)
        window._add_action(menu, "S&ubmit the attempt", self.submit, "Ctrl+Return")
        window._add_action(menu, "Save the plan as a &reference task…", self.author_task)
        self.panel.start.clicked.connect(self.start_task)
        self.panel.submit.clicked.connect(self.submit)
        self.panel.show_reference.toggled.connect(self._toggle_reference)
        self.panel.tasks.currentIndexChanged.connect(self._show_selected)
        self.panel.trainee.editingFinished.connect(self._show_history)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_clock)
        anatomy = getattr(getattr(window, "loader", None), "anatomy", None)
        if anatomy is not None:  # the status bar's level summary says who named the plan's levels
            anatomy.plan_level_source = self._level_source
        connect_while_alive(window.session.volume_changed, self, self._on_volume_changed)
        self.reload_tasks()

    def _on_volume_changed(self) -> None:
        """Another series opened while a task runs ends the task (its clock stopped, Submit and Propose access
        as outside a task), with a word in the status bar; the task's own series (re)loaded does not."""
        volume = self.w.session.volume
        source = getattr(getattr(volume, "info", None), "source_path", None)
        if self.started_at is None or (source is not None and Path(source).resolve() == self._task_series):
            return
        self._tick.stop()
        self.started_at = None
        self.panel.submit.setEnabled(False)
        self._lock_answers(False)
        QTimer.singleShot(0, lambda: self.w.statusBar().showMessage(  # after the load's own status line
            "Training task ended: another case was opened.", 8000))

    def _level_source(self) -> str:
        """"the training task" while every level of the plan is one the running task put there."""
        names = {level.name for level in self.w.session.plan.levels}
        return "the training task" if self.task is not None and names and names <= self._task_levels else ""

    # --- tasks ------------------------------------------------------------------------------------
    def reload_tasks(self, select: str | None = None) -> None:
        """List every task of every case; a task whose scan is absent is listed greyed with the reason."""
        self.cases, self.entries, errors = load_entries(self.case_dirs, self.user_data_dir)
        combo = self.panel.tasks
        combo.blockSignals(True)
        combo.clear()
        for entry in self.entries.values():
            combo.addItem(entry.label(), entry.task.id)
            index = combo.count() - 1
            if not entry.location.available:
                combo.setItemData(index, f"Unavailable: {entry.location.reason}", Qt.ToolTipRole)
        if select is not None:
            combo.setCurrentIndex(max(0, combo.findData(select)))
        combo.blockSignals(False)
        if errors and not self.entries:
            self.panel.instructions.setText("No training case: " + " ".join(errors))
        self._show_selected()

    @property
    def case(self) -> TrainingCase | None:
        """The case of the selected task."""
        entry = self.selected_entry()
        return entry.case if entry is not None else next(iter(self.cases.values()), None)

    def selected_entry(self) -> TaskEntry | None:
        return self.entries.get(self.panel.tasks.currentData())

    def selected_task(self) -> TrainingTask | None:
        entry = self.selected_entry()
        return entry.task if entry is not None else None

    def _show_selected(self, *args) -> None:
        """The selected task's availability and its scan's attribution (SOURCE.txt), then its history."""
        entry = self.selected_entry()
        if entry is not None and self.task is None:
            self.panel.instructions.setText(entry.summary_html())
        self.panel.attribution.setText(entry.attribution_short() if entry is not None else "")
        self.panel.attribution.setToolTip(entry.attribution_text() if entry is not None else "")
        self.panel.start.setEnabled(entry is not None and entry.location.available)
        self._show_history()

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def _history(self) -> AttemptHistory | None:
        name = self.panel.trainee.text().strip()
        return AttemptHistory(self.user_data_dir, name) if name else None

    def _warn(self, title: str, text: str) -> None:
        if self.w.loader.quiet:
            self.w.statusBar().showMessage(text, 10000)
        else:
            QMessageBox.warning(self.w, title, text)

    # --- workflow ---------------------------------------------------------------------------------
    def start_task(self) -> None:
        """Ask before replacing a plan with unsaved changes; clear the plan (reference hidden), open the
        case's series if needed, start the clock."""
        self.show_panel()
        entry = self.selected_entry()
        if entry is None:
            return self._warn("No task", "Choose a training task first.")
        if not entry.location.available:
            return self._warn("Task unavailable", f"{entry.task.title}: {entry.location.reason}.")
        if not self.panel.trainee.text().strip():
            return self._warn("Trainee", "Enter the trainee's name first: the attempts are kept per trainee.")
        if not self._may_replace_plan():
            self.w.statusBar().showMessage("Training task not started: the open plan was kept.", 8000)
            return
        series = entry.location.path
        self._task_series = Path(series).resolve()
        volume = self.w.volume
        if volume is None or Path(volume.info.source_path).resolve() != Path(series).resolve():
            self.w.loader.loaded.connect(self._begin_after_load)
            self._pending = entry.task
            self.w.open_path(series)
            return
        self._begin(entry.task)

    def _may_replace_plan(self) -> bool:
        """Save / Discard / Cancel when the open plan has unsaved changes (the plan file actions' own
        question). Without a user to ask (quiet window with the standard dialogs) the changes go to the
        crash-recovery file first, so nothing is lost and nothing blocks."""
        files = getattr(self.w, "plan_files", None)
        if files is None or not files.is_dirty():
            return True
        if getattr(self.w.loader, "quiet", False) and type(files.prompts) is Prompts:
            files.autosave()
            return True
        return files._may_discard("starting the training task")

    def _begin_after_load(self, *args) -> None:
        self.w.loader.loaded.disconnect(self._begin_after_load)
        self._begin(self._pending)

    def _begin(self, task: TrainingTask) -> None:
        session = self.w.session
        session.plan.clear()
        reference = task.reference()
        for target in reference.targets:  # the lesion is given: the panel counts it as inside the
            session.plan.insert(target)  # vertebra like the feedback does (planner.training.grading)
        for level in reference.levels:  # so is the level: a needle in it is checked against that vertebra
            session.plan.insert(level)  # (its body outline and marrow threshold), as the reference was
        session.stack.clear()
        files = getattr(self.w, "plan_files", None)
        if files is not None:
            files._set_clean(None)  # the attempt is a new, unnamed plan: Save never overwrites the old file
        self.w.selection.select(None)
        self.task, self.started_at, self.last_grade = task, time.monotonic(), None
        self._task_levels = frozenset(level.name for level in reference.levels)
        self.overlay.reference = self.overlay.score = self.overlay.attempt = None
        self.panel.show_reference.setChecked(False)
        self.panel.show_reference.setEnabled(False)
        self.panel.instructions.setText(f"<b>{escape(task.title)}</b><br>{escape(task.instructions)}")
        self.panel.score.setText("")
        self.panel.feedback.setPlainText("The reference plan is hidden until you submit.")
        self.panel.submit.setEnabled(True)
        self._tick.start()
        self._update_clock()
        self.w.framing.frame_task(task.level)  # issue 19: framed as a case load, crosshair on the level
        self.w.loader.anatomy.refresh_summary()  # the status bar names the task's levels
        self._lock_answers(True)

    def _lock_answers(self, running: bool) -> None:
        """Propose access off while the task runs (planner.ui.propose_actions.ProposeActions.set_training)."""
        proposals = getattr(self.w, "proposals", None)
        if proposals is not None:
            proposals.set_training(running)

    def _update_clock(self) -> None:
        if self.started_at is not None:
            m, s = divmod(int(time.monotonic() - self.started_at), 60)
            self.panel.clock.setText(f"Time: {m} min {s:02d} s")

    def submit(self) -> None:
        """Score the current plan against the task's reference (in a worker thread)."""
        if self.task is None or self.started_at is None:
            return self._warn("No task running", "Start a task before submitting.")
        session = self.w.session
        if session.volume is None or session.canal_mask is None:
            return self._warn("Not ready", "Wait until the series and its spinal canal are loaded.")
        if self.worker is not None:
            return
        try:
            reference = self.task.reference()
        except PlannerError as exc:
            return self._warn("Reference plan", str(exc))
        attempt = PlanDocument(series=session.plan.series)
        for item in session.plan:
            attempt.insert(item)
        elapsed = time.monotonic() - self.started_at
        task, volume, canal, devices = self.task, session.volume, session.canal_mask, session.devices
        anatomy = session.anatomy
        shown = session.evaluation  # what the safety panel shows now: the feedback quotes its findings
        shown = shown if shown is not None and shown.complete and not session.interactive else None
        self.worker = LoadWorker(lambda progress, cancel: grade_attempt(task, reference, attempt, volume, canal,
                                                                          elapsed, devices, anatomy, shown), self)
        self.worker.finished.connect(lambda grade: self._on_graded(grade, reference, attempt))
        self.worker.failed.connect(self._on_failed)
        self.panel.submit.setEnabled(False)
        self.panel.score.setText("Scoring…")
        self.worker.start()

    def _done_worker(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(1000)

    def _on_failed(self, message: str) -> None:
        self._done_worker()
        self.panel.submit.setEnabled(True)
        self.panel.score.setText("")
        self._warn("Scoring failed", message)

    def _on_graded(self, grade, reference, attempt) -> None:
        self._done_worker()
        self._tick.stop()
        self.started_at = None
        self._lock_answers(False)
        self.last_grade = grade
        s = grade.score
        self.panel.score.setText(f"{'PASSED' if s.passed else 'Not passed'} - {shown_points(s.total)}/100")
        self.panel.feedback.setPlainText("\n".join(grade.feedback))
        self.overlay.reference, self.overlay.score, self.overlay.attempt = reference, s, attempt
        self.panel.show_reference.setEnabled(True)
        self.panel.show_reference.setChecked(True)
        try:
            history = self._history()
            if history is not None:
                history.add(AttemptRecord.from_score(self.task.case_id, s, list(grade.feedback)))
        except PlannerError as exc:
            self._warn("History", str(exc))
        self._show_history()
        self.graded.emit(grade)

    def _toggle_reference(self, on: bool) -> None:
        self.overlay.visible = bool(on) and self.overlay.reference is not None
        for view in self.w.all_2d_views():
            view.update()

    def _show_history(self, *args) -> None:
        self.panel.history.clear()
        task = self.selected_task()
        try:
            history = self._history()
        except PlannerError as exc:
            self.panel.history.addItem(str(exc))
            return
        if history is not None and task is not None:
            self.panel.history.addItems(history.progress_lines(task.id, self.case.id))

    # --- authoring --------------------------------------------------------------------------------
    def author_task(self) -> None:
        """Trainer: save the current plan as the reference of a new task of this case."""
        plan = self.w.session.plan
        if not plan.needles or self.case is None:
            return self._warn("Nothing to save", "Place the reference needles (and the lesion target) first.")
        dialog = AuthorDialog(self.w)
        if not dialog.exec():
            return
        self.save_reference(dialog.task_id.text().strip(), dialog.title.text().strip(),
                            dialog.instructions.toPlainText().strip(), dialog.thresholds())

    def save_reference(self, task_id: str, title: str, instructions: str, thresholds: PassThresholds):
        """Save the current plan as a task's reference in the user's training folder; returns the task."""
        try:
            check_id(task_id)
            folder = user_task_dir(self.user_data_dir, self.case.id)
            levels = sorted({n.level for n in self.w.session.plan.needles if n.level})
            task = TrainingTask(task_id, self.case.id, title or task_id, instructions or title or task_id,
                                levels[0] if levels else "", folder / f"{task_id}.plan.json", thresholds, "trainer")
            reference = PlanDocument(series=self.w.session.plan.series)
            for item in self.w.session.plan:
                reference.insert(item)
            saved = save_task(folder, task, reference)
        except PlannerError as exc:
            self._warn("Cannot save the task", str(exc))
            return None
        self.reload_tasks(select=saved.id)
        self.w.statusBar().showMessage(f"Saved the task '{saved.title}' in {folder}", 8000)
        return saved
