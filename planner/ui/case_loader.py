"""Opening a case: folder scan, series choice, loading off the GUI thread with progress and Cancel,
recent folders; then the automatic anatomy (body, canal, vertebrae: :mod:`planner.ui.anatomy_job`) in
the background with its own progress bar and Cancel, and the canal from a click on request.

Cancel or a failure leaves the case that was open untouched: the new volume replaces it only when it
has loaded completely.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from planner.analysis.overlap import PreparedCanal
from planner.anatomy.cache_parts import canal_cached  # issue 13: the on-disk anatomy cache
from planner.anatomy.canal import segment_canal_from_seed
from planner.anatomy.focus import spine_focus_lps
from planner.imaging import load_path, load_series
from planner.ui.anatomy_job import AnatomyJob
from planner.ui.load_worker import LoadWorker
from planner.ui.series_browser import SeriesBrowserDialog

VOLUME_SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".nhdr")
MAX_RECENT = 8


def _framed(load):
    """A load job that also finds the body's box for the views' first fit, in the worker: on the GUI
    thread (``CaseFraming.frame_case``) the body search held the window 1.5 s after the lumbar scan
    loaded on the loaded 2-core machine (issue 19). Its result: ``(volume, box or None)``."""
    def job(progress, cancel):
        from planner.ui.view_fit import body_box_lps

        volume = load(progress, cancel)
        return volume, body_box_lps(volume)
    return job


def recent_folders() -> list[str]:
    value = QSettings().value("recent_folders", [])
    if isinstance(value, str):
        value = [value]
    return [v for v in (value or []) if isinstance(v, str)]


def remember_folder(path: str) -> None:
    items = [p for p in recent_folders() if p != path]
    QSettings().setValue("recent_folders", ([path] + items)[:MAX_RECENT])


class CaseLoader(QObject):
    """Drives the loading of one path at a time for ``window`` (which has ``set_volume``)."""

    loaded = Signal(object)  # ImageVolume
    failed = Signal(str)
    cancelled = Signal()
    canal_ready = Signal()
    busy_changed = Signal(bool)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.worker: LoadWorker | None = None
        self.canal_worker: LoadWorker | None = None
        self.progress: QProgressDialog | None = None
        self.quiet = False  # tests and scripts: no modal dialogs, only signals
        self.closed = False  # set when the window closes: nothing new starts (a QThread outliving it aborts)
        self._path = ""
        self.anatomy = AnatomyJob(window, self)  # issues 13/19: the whole automatic anatomy after a load

    def is_busy(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def open(self, path) -> None:
        """Start opening ``path`` (a folder, a DICOM file, or a NIfTI/NRRD volume)."""
        if self.is_busy():
            self._message("Still loading", "Another case is loading; cancel it first.")
            return
        self._path = str(path)
        p = Path(path)
        if p.is_dir():
            self._start(LoadWorker.for_discover(p, self), self._on_discovered, "Scanning the folder…")
        else:
            self._start(LoadWorker(_framed(lambda progress, cancel: load_path(p, progress, cancel)), self),
                        self._on_volume, "Loading…")

    def _start(self, worker: LoadWorker, on_done, text: str) -> None:
        self.worker = worker
        worker.finished.connect(on_done)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.progress.connect(self._on_progress)
        if not self.quiet:
            self.progress = QProgressDialog(text, "Cancel", 0, 100, self.window)
            self.progress.setObjectName("load_progress")
            self.progress.setWindowModality(Qt.WindowModal)
            self.progress.setMinimumDuration(300)
            self.progress.canceled.connect(worker.cancel)
        self.busy_changed.emit(True)
        worker.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.deleteLater()
            self.progress = None

    def _on_progress(self, done: int, total: int) -> None:
        if self.progress is not None and total > 0:
            self.progress.setValue(int(100 * done / total))

    def _on_discovered(self, candidates) -> None:
        self._close_progress()
        usable = [c for c in candidates if c.supported]
        if not usable:
            reasons = "\n".join(f"• {c.series_description or c.modality}: {c.reason}" for c in candidates[:8])
            detail = f"\n\n{reasons}" if reasons else ""
            self._fail(f"No CT series that the planner can open was found in {self._path}.{detail}")
            return
        choice = usable[0]
        if len(candidates) > 1 and not self.quiet:
            dialog = SeriesBrowserDialog(candidates, self.window)
            if not dialog.exec() or dialog.selected_candidate() is None:
                self._on_cancelled()
                return
            choice = dialog.selected_candidate()
        self._start(LoadWorker(_framed(lambda progress, cancel: load_series(choice, progress, cancel)), self),
                    self._on_volume, "Loading the series…")

    def _on_volume(self, loaded) -> None:
        """The load worker's result: the volume and the body's box found beside it (:func:`_framed`)."""
        self._close_progress()
        self.worker = None
        if self.closed:
            return
        framed = isinstance(loaded, tuple)
        volume = loaded[0] if framed else loaded
        self.busy_changed.emit(False)
        if Path(self._path).is_dir():
            remember_folder(self._path)
        framing = getattr(self.window, "framing", None)
        if framing is not None and framed:
            framing.known_body_box = loaded  # frame_case then skips its own body search (issue 19)
        self.window.set_volume(volume)
        self.loaded.emit(volume)
        self.anatomy.start(volume)

    def _fail(self, message: str) -> None:
        self.worker = None
        self.busy_changed.emit(False)
        self._message("Cannot open", message)
        self.failed.emit(message)

    def _on_failed(self, message: str) -> None:
        self._close_progress()
        self._fail(message)

    def _on_cancelled(self) -> None:
        self._close_progress()
        self.worker = None
        self.busy_changed.emit(False)
        self.window.statusBar().showMessage("Loading cancelled; the previous case is unchanged.", 6000)
        self.cancelled.emit()

    def _message(self, title: str, text: str) -> None:
        if not self.quiet:
            QMessageBox.warning(self.window, title, text)
        else:
            self.window.statusBar().showMessage(text, 10000)

    # --- spinal canal ----------------------------------------------------------------------------
    def start_canal(self, volume, seed_lps=None) -> None:
        """Segment the spinal canal in the background (through ``seed_lps`` when given, the one-click
        alternative); the result goes to the session."""
        if self.closed:
            return
        if self.canal_worker is not None:
            self.canal_worker.cancel()
        grid = self.window.session.grid

        def job(progress, cancel):
            """The mask, and its sub-voxel boundary prepared here too (0.5-2 s on a real scan that would
            otherwise freeze the window when the canal arrives; issue 19)."""
            found = canal_cached(volume) if seed_lps is None else segment_canal_from_seed(volume, seed_lps)
            mask = np.asarray(found.mask, dtype=bool)
            return mask, PreparedCanal.build(grid, mask, volume.hu)

        worker = LoadWorker(job, self)
        worker.finished.connect(lambda result, v=volume: self.apply_canal(v, *result))
        worker.failed.connect(self.canal_failed)
        self.canal_worker = worker
        self.window.statusBar().showMessage("Segmenting the spinal canal…", 5000)
        worker.start()

    def _focus_on_spine(self, volume, mask) -> None:
        """Move the crosshair from the field of view's middle onto the spine, unless the user (or a plan)
        has moved it since the case opened."""
        state = self.window.state
        start = self.window.load_cursor_lps
        if start is None or not np.allclose(state.cursor_lps, start, atol=1e-6):
            return
        focus = spine_focus_lps(volume, mask)
        if focus is not None:
            state.set_cursor(focus)

    def shutdown(self) -> None:
        """The window closes: nothing new starts; the jobs under way are cancelled and waited for (the
        canal and anatomy steps cannot be interrupted; they take seconds)."""
        self.closed = True
        for worker in (self.worker, self.canal_worker):
            if worker is not None:
                worker.cancel()
                worker.wait(120000)
        self.anatomy.shutdown()

    def canal_failed(self, message: str) -> None:
        self.window.statusBar().showMessage(
            f"Automatic canal segmentation failed: {message} Use Plan ▸ Segment canal from a click.", 12000)

    def apply_canal(self, volume, mask, prepared=None) -> None:
        """A canal found for ``volume`` (automatic or from a click): to the session, crosshair onto it."""
        if volume is not self.window.session.volume:
            return  # a stale result for a case that is no longer open
        # the crosshair first: the canal's arrival frames the 3D camera around the crosshair's height
        # (planner.ui.case_framing), which must already be the spine's, not the field of view's middle
        self._focus_on_spine(volume, mask)
        self.window.session.set_canal(mask, prepared=prepared)
        self.window.statusBar().showMessage("Spinal canal segmented (automatic; check it slice by slice).", 6000)
        self.canal_ready.emit()
