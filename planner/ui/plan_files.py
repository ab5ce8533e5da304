"""Plans that last and leave the app: New / Open / Save / Save As / Recent plans, autosave and crash
recovery, the unsaved-changes question on close, exports (3D Slicer markups, meshes, PDF, DICOM),
markups import, SINS, and screenshots to PNG or the clipboard (the last four in
:mod:`planner.ui.plan_exports`).

A plan file names its series by UIDs only (docs/plan-format.md: no extra keys allowed), so the folder
a series was loaded from is remembered in QSettings (``plan_series_folders/<Series Instance UID>``).
Opening a plan uses the case already open when its UIDs match, else that folder, else asks for one.
Saving goes through :func:`planner.plan.io.write_plan` (atomic, keeps ``.bak``); a failed save says
why and leaves the old file as it was. While there are unsaved changes the plan is written to a
recovery file in the user's data folder every minute; :meth:`PlanFileActions.offer_recovery` brings
it back after a crash.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from planner.core.errors import PlanError, PlannerError
from planner.plan.document import PlanDocument
from planner.plan.identity import fingerprint_mismatch, series_fingerprint
from planner.plan.io import read_plan, write_plan
from planner.plan.items import SeriesRef
from planner.ui.plan_exports import PlanExports
from planner.ui.qt_links import connect_while_alive

PLAN_FILTER = "Plans (*.json)"
MAX_RECENT_PLANS = 8
AUTOSAVE_MS = 60_000
RECOVERY_PLAN, RECOVERY_INFO = "recovery-plan.json", "recovery-info.json"


class Prompts:
    """The dialogs the plan actions need; tests replace it with scripted answers."""

    def __init__(self, parent):
        self.parent = parent

    def ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self.parent, title, text) == QMessageBox.Yes

    def save_discard_cancel(self, title: str, text: str) -> str:
        box = QMessageBox.warning(self.parent, title, text, QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
                                  QMessageBox.Save)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(box, "cancel")

    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def open_file(self, title: str, file_filter: str) -> str:
        return QFileDialog.getOpenFileName(self.parent, title, "", file_filter)[0]

    def save_file(self, title: str, default: str, file_filter: str) -> str:
        return QFileDialog.getSaveFileName(self.parent, title, default, file_filter)[0]

    def folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self.parent, title)

    def choose(self, title: str, label: str, items: list[str]) -> str:
        item, ok = QInputDialog.getItem(self.parent, title, label, items, 0, False)
        return item if ok else ""


def window_title(app_name: str, series_title: str, plan_path: Path | None, has_case: bool) -> str:
    """``"App – series – plan.json[*]"``; the plan part is "unsaved plan" before a first save and absent
    without a case. Qt puts "*" for the "[*]" placeholder while the window is modified
    (QWidget.windowModified)."""
    parts = [p for p in (app_name, series_title if has_case else "") if p]
    if has_case:
        parts.append((Path(plan_path).name if plan_path is not None else "unsaved plan") + "[*]")
    return " – ".join(parts)


def default_recovery_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)) / "recovery"


class PlanFileActions(QObject):
    """Adds the plan entries to the File menu of ``window`` (a MainWindow) and owns the plan's file state."""

    def __init__(self, window, settings: QSettings | None = None, recovery_dir: Path | None = None,
                 prompts: Prompts | None = None, autosave_ms: int = AUTOSAVE_MS, menu=None):
        super().__init__(window)
        self.w = window
        self.session = window.session
        self.settings = settings if settings is not None else QSettings()
        self.recovery_dir = Path(recovery_dir) if recovery_dir is not None else default_recovery_dir()
        self.prompts = prompts or Prompts(window)
        self.path: Path | None = None
        self._restored_unsaved = False
        self._pending: tuple | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(int(autosave_ms))
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        connect_while_alive(self.session.stack.modified_changed, self, lambda _m: self._show_modified())
        window.loader.loaded.connect(self._on_case_loaded)
        window.loader.failed.connect(self._on_case_failed)
        window.loader.cancelled.connect(lambda: setattr(self, "_pending", None))
        self._build_menu(menu)

    # --- menu ----------------------------------------------------------------------------------
    def _build_menu(self, menu=None) -> None:
        """The plan's entries in ``menu`` (the window's File menu); a menu of their own when None."""
        w, add = self.w, self.w._add_action
        menu = menu if menu is not None else w.menuBar().addMenu("Plan &file")
        self.menu = menu
        add(menu, "&New plan", self.new_plan, "Ctrl+Shift+N")
        add(menu, "&Open plan…", self.open_plan_dialog, "Ctrl+Shift+O")
        self.recent_menu = menu.addMenu("Open &recent plan")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        add(menu, "&Save plan", self.save, "Ctrl+S")
        add(menu, "Save plan &as…", self.save_as, "Ctrl+Shift+S")
        menu.addSeparator()
        self.exports = PlanExports(self)
        self.exports.build_menu(menu)

    # --- state ---------------------------------------------------------------------------------
    def is_dirty(self) -> bool:
        return self.session.volume is not None and (self.session.stack.is_modified or self._restored_unsaved)

    def update_title(self) -> None:
        """The title bar names the series and the plan file, with Qt's "[*]" mark while unsaved."""
        has_case = self.session.volume is not None
        self.w.setWindowTitle(window_title(getattr(self.w, "app_name", ""), getattr(self.w, "series_title", ""),
                                           self.path, has_case))
        self.w.setWindowModified(self.is_dirty())

    _show_modified = update_title

    def _status(self, text: str) -> None:
        self.w.statusBar().showMessage(text, 8000)

    # --- new / open ----------------------------------------------------------------------------
    def _may_discard(self, what: str) -> bool:
        if not self.is_dirty():
            return True
        answer = self.prompts.save_discard_cancel("Unsaved plan", f"The plan has unsaved changes. Save them before {what}?")
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_plan(self) -> None:
        if self.session.volume is None:
            self.prompts.warn("New plan", "Open a CT series first: a plan belongs to one series.")
            return
        if not self._may_discard("starting a new plan"):
            return
        self.session.open_plan(PlanDocument(series=SeriesRef.from_series_info(self.session.volume.info)))
        self._set_clean(None)

    def open_plan_dialog(self) -> None:
        path = self.prompts.open_file("Open a plan", PLAN_FILTER)
        if path:
            self.open_plan_file(path)

    def open_plan_file(self, path, on_open_case: bool = False) -> bool:
        """Read a plan and open it on its series (loading the series when needed). False when refused.

        ``on_open_case``: open it on the case already loaded, without looking for or asking for its
        series' folder (the command line's ``PATH --plan P.json`` names both; a plan whose UIDs are
        empty, as on the shared T11-T12 scan, otherwise asks for a folder). Plans from other images
        are still refused or asked about (:meth:`PlanningSession.open_plan`'s mismatch check)."""
        if not self._may_discard("opening another plan"):
            return False
        try:
            doc = read_plan(path)
        except PlannerError as exc:
            self.prompts.warn("Cannot open the plan", str(exc))
            return False
        if on_open_case and self.session.volume is not None:
            return self._apply(doc, Path(path), restored=False)
        return self._open_document(doc, Path(path), restored=False)

    def _matches_open_case(self, doc: PlanDocument) -> bool:
        volume = self.session.volume
        if volume is None:
            return False
        s, info = doc.series, volume.info
        same_series = bool(s.series_instance_uid) and s.series_instance_uid == info.series_instance_uid
        same_frame = bool(s.frame_of_reference_uid) and s.frame_of_reference_uid == info.frame_of_reference_uid
        same_images = bool(s.geometry_fingerprint) and not (s.frame_of_reference_uid and info.frame_of_reference_uid) \
            and fingerprint_mismatch(s.geometry_fingerprint, series_fingerprint(volume)) is None
        return same_series or same_frame or same_images

    def _open_document(self, doc: PlanDocument, path: Path | None, restored: bool, folder: str = "") -> bool:
        if self._matches_open_case(doc):
            return self._apply(doc, path, restored)
        folder = folder or self.series_folder(doc.series.series_instance_uid)
        if not folder or not Path(folder).exists():
            folder = self.prompts.folder("Choose the DICOM folder of the plan's series")
        if not folder:
            if self.session.volume is not None:
                return self._apply(doc, path, restored)  # the mismatch check below asks the user
            self.prompts.warn("Plan not opened", "The plan's CT series is needed to open the plan.")
            return False
        self._pending = (doc, path, restored)
        self._status("Loading the plan's series…")
        self.w.open_path(folder)
        return True

    def _on_case_loaded(self, volume) -> None:
        pending, self._pending = self._pending, None
        if isinstance(volume.info.source_path, str) and Path(volume.info.source_path).is_dir():
            self.remember_series_folder(volume.info.series_instance_uid, volume.info.source_path)
        if pending is not None:
            self._apply(*pending)
        else:
            self._set_clean(None)

    def _on_case_failed(self, message: str) -> None:
        if self._pending is not None:
            self._pending = None
            self.prompts.warn("Plan not opened", f"The plan's series could not be loaded: {message}")

    def _apply(self, doc: PlanDocument, path: Path | None, restored: bool) -> bool:
        try:
            self.session.open_plan(doc)
        except PlanError as exc:
            text = (f"{exc}\n\nOpening it anyway puts its needles at the same coordinates on these images, "
                    "which may be a different anatomy. Open it anyway?")
            if not self.prompts.ask("Plan from other images", text):
                return False
            self.session.open_plan(doc, allow_mismatch=True)
        self._set_clean(path)
        self._restored_unsaved = restored
        self._show_modified()
        if path is not None and not restored:
            self.remember_recent(path)
        note = self.session.plan_identity_note
        self._status(f"Plan {'restored' if restored else 'opened'}: {len(doc)} items" + (f". {note}" if note else ""))
        return True

    def _set_clean(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._restored_unsaved = False
        self._show_modified()

    # --- save ----------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        if self.session.volume is None:
            self.prompts.warn("Save plan", "There is no plan to save: open a CT series first.")
            return False
        path = self.prompts.save_file("Save the plan", str(self.path or "plan.json"), PLAN_FILTER)
        return self.save_to(path) if path else False

    def save_to(self, path) -> bool:
        """Save atomically; on failure explain why (the previous file stays as it was)."""
        path = Path(path)
        try:
            write_plan(self.session.plan, path)
        except PlannerError as exc:
            self.prompts.warn("Plan not saved", str(exc))
            return False
        self.session.stack.mark_saved()
        self._set_clean(path)
        self.remember_recent(path)
        info = self.session.volume.info
        if info.source_path and Path(info.source_path).is_dir():
            self.remember_series_folder(info.series_instance_uid, info.source_path)
        self.discard_recovery()
        self._status(f"Plan saved to {path}")
        return True

    # --- settings ------------------------------------------------------------------------------
    def recent_plans(self) -> list[str]:
        value = self.settings.value("recent_plans", [])
        value = [value] if isinstance(value, str) else (value or [])
        return [v for v in value if isinstance(v, str)]

    def remember_recent(self, path) -> None:
        path = str(Path(path).resolve())
        items = [p for p in self.recent_plans() if p != path]
        self.settings.setValue("recent_plans", ([path] + items)[:MAX_RECENT_PLANS])

    def series_folder(self, series_uid: str) -> str:
        return str(self.settings.value(f"plan_series_folders/{series_uid}", "")) if series_uid else ""

    def remember_series_folder(self, series_uid: str, folder: str) -> None:
        if series_uid:
            self.settings.setValue(f"plan_series_folders/{series_uid}", str(Path(folder).resolve()))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_plans():
            self.recent_menu.addAction(path, lambda p=path: self.open_plan_file(p))
        if not self.recent_plans():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # --- autosave and recovery -----------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the plan to the recovery file when it has unsaved changes; True when written."""
        if not self.is_dirty():
            return False
        copy = PlanDocument()
        copy.assign(self.session.plan)
        info = self.session.volume.info
        try:
            self.recovery_dir.mkdir(parents=True, exist_ok=True)
            write_plan(copy, self.recovery_dir / RECOVERY_PLAN)
            sidecar = {"plan_path": str(self.path or ""), "series_instance_uid": info.series_instance_uid,
                       "series_folder": info.source_path if Path(info.source_path or "").is_dir() else "",
                       "autosaved_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")}
            (self.recovery_dir / RECOVERY_INFO).write_text(json.dumps(sidecar, indent=2), encoding="utf-8")
        except (PlannerError, OSError) as exc:
            self._status(f"Autosave failed: {exc}")
            return False
        return True

    def has_recovery(self) -> bool:
        return (self.recovery_dir / RECOVERY_PLAN).is_file()

    def discard_recovery(self) -> None:
        for name in (RECOVERY_PLAN, RECOVERY_PLAN + ".bak", RECOVERY_INFO):
            (self.recovery_dir / name).unlink(missing_ok=True)

    def offer_recovery(self) -> bool:
        """After a crash: offer the autosaved plan; restoring opens it as unsaved. True when restored."""
        if not self.has_recovery():
            return False
        try:
            info = json.loads((self.recovery_dir / RECOVERY_INFO).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        when = info.get("autosaved_utc", "an unknown time")
        if not self.prompts.ask("Restore the plan?", f"The planner did not close normally. Restore the plan "
                                                     f"autosaved at {when}?"):
            self.discard_recovery()
            return False
        try:
            doc = read_plan(self.recovery_dir / RECOVERY_PLAN)
        except PlannerError as exc:
            self.prompts.warn("Cannot restore", f"The recovery file cannot be read: {exc}")
            self.discard_recovery()
            return False
        path = Path(info["plan_path"]) if info.get("plan_path") else None
        return self._open_document(doc, path, restored=True, folder=info.get("series_folder", ""))

    def confirm_close(self) -> bool:
        """Ask about unsaved changes before the window closes; False keeps the window open.

        Without a user to ask (``window.loader.quiet`` with the standard dialogs: scripts and tests),
        unsaved changes stay in the recovery file, so closing loses nothing and blocks on no dialog."""
        if getattr(self.w.loader, "quiet", False) and isinstance(self.prompts, Prompts):
            self.timer.stop()
            self.autosave()
            return True
        if not self._may_discard("closing"):
            return False
        self.timer.stop()
        self.discard_recovery()
        return True
