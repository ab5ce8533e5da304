"""Keys that work wherever the keyboard focus is in the main window (issue 19, "Keys and mouse").

Qt gives a focused editor the first say on every key (a ``ShortcutOverride`` event): a spin box
accepts every printable key, so after a number was typed in the properties panel or the toolbar the
single-letter tool keys (N, T, M, A, V, B...) did nothing. The rule here, applied by one application
event filter to the widgets of one main window (never to dialogs or popups):

* **Letters in a number box.** A spin box cannot take a letter, so a plain letter (no Ctrl/Alt/Meta)
  that is the shortcut of a window action ends the edit (the focus goes back to the views, which
  sends the box its ``editingFinished``: the value typed is applied) and runs the action.
* **Letters in a text field** (line edit, text edit, editable combo box) stay text: typing a name
  must never start a tool.
* **Enter / Return** in a number box or a one-line text field applies the value, then the focus goes
  back to the views.
* **Esc** always gives the focus back to the views (and runs its action: the Navigate tool).
* A key whose action is disabled says so in the status bar instead of doing nothing.

Moments that start new work (a case loaded, a plan replaced or cleared, e.g. when a training task
starts) also give the focus to the views (:meth:`KeyboardRouter.focus_views`).
The decision is the plain function :func:`route_key`; :class:`KeyboardRouter` applies it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox, QApplication, QComboBox, QDialog, QLineEdit, QPlainTextEdit, QTextEdit, QWidget,
)

# What the focused widget is, for the rule
SPIN, TEXT, OTHER = "spin", "text", "other"
# What to do with a key
TO_WIDGET, TO_SHORTCUT, COMMIT_THEN_VIEWS, TO_VIEWS = "widget", "shortcut", "commit_then_views", "views"

_COMMAND_MODIFIERS = Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier
_ENTER_KEYS = (Qt.Key_Return, Qt.Key_Enter)


def is_plain_letter(key: int, modifiers) -> bool:
    """A letter key with at most Shift held (``Qt.Key_A`` … ``Qt.Key_Z``)."""
    return int(Qt.Key_A) <= int(key) <= int(Qt.Key_Z) and not (modifiers & _COMMAND_MODIFIERS)


def route_key(focus_kind: str, key: int, modifiers, has_action: bool) -> str:
    """Where a key pressed while a widget of ``focus_kind`` has the focus goes (the module rule).

    ``has_action``: an enabled window action has this key as its shortcut."""
    if key == Qt.Key_Escape:
        return TO_VIEWS
    if key in _ENTER_KEYS and focus_kind in (SPIN, TEXT) and not (modifiers & _COMMAND_MODIFIERS):
        return COMMIT_THEN_VIEWS
    if focus_kind == SPIN and has_action and is_plain_letter(key, modifiers):
        return TO_SHORTCUT
    return TO_WIDGET


_TOOL_NAMES = {"place_needle": "a needle", "place_thermocouple": "a thermocouple", "ruler": "a ruler",
               "angle": "an angle", "level_seed": "a vertebral level", "lesion_seed": "a lesion",
               "canal_seed": "the canal", "canal_paint": "the canal", "canal_erase": "the canal"}


def tool_unavailable_reason(tool_key: str, has_case: bool) -> str:
    """Why a 2D tool cannot start now, in words ("" when it can): every tool but Navigate works on images."""
    if tool_key == "navigate" or has_case:
        return ""
    what = _TOOL_NAMES.get(tool_key, "this tool")
    return (f"No case is open: open a CT series first (File ▸ Open DICOM folder, or the sample case) "
            f"to place {what}." if tool_key.startswith(("place", "level", "lesion")) else
            f"No case is open: open a CT series first (File ▸ Open DICOM folder) to use {what}.")


def focus_kind(widget: QWidget | None) -> str:
    """SPIN for a spin box (or its line edit), TEXT for fields that take letters, else OTHER."""
    if widget is None:
        return OTHER
    parent = widget.parentWidget()
    if isinstance(widget, QAbstractSpinBox) or isinstance(parent, QAbstractSpinBox):
        return SPIN
    if isinstance(widget, QComboBox):
        return TEXT if widget.isEditable() else OTHER
    if isinstance(widget, QLineEdit) and isinstance(parent, QComboBox):
        return TEXT
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
        return TEXT if not getattr(widget, "isReadOnly", lambda: False)() else OTHER
    return OTHER


def key_sequence(key: int, modifiers) -> QKeySequence:
    mods = modifiers & (Qt.ShiftModifier | _COMMAND_MODIFIERS)
    return QKeySequence(int(key) | int(mods.value if hasattr(mods, "value") else mods))


class KeyboardRouter(QObject):
    """Applies :func:`route_key` to the key events of ``window`` (a MainWindow) and its docks.

    ``views()`` returns the 2D views in the order to prefer when giving them the focus."""

    def __init__(self, window, views):
        super().__init__(window)
        self.window = window
        self._views = views
        self.last_view: QWidget | None = None
        self._watched: QWidget | None = None
        # Only the focused widget is filtered (key events go to it), not every event of the application.
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, old, new) -> None:
        self._unwatch()
        if new is not None and self._ours(new):
            if new in self._views():
                self.last_view = new
            new.installEventFilter(self)
            self._watched = new
        elif new is not None and self._in_dialog_of_ours(new):
            if new.window().isVisible():
                new.window().installEventFilter(self)  # to hear when it closes (installed once per object)
            else:  # the focus arrived in a dialog already closed (seen with Qt's offscreen platform)
                QTimer.singleShot(0, self, self._after_dialog)

    def _unwatch(self) -> None:
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:  # the widget was deleted (e.g. a properties row rebuilt)
                pass
            self._watched = None

    # --- focus ---------------------------------------------------------------------------------
    def focus_views(self) -> None:
        """Give the keyboard focus to the 2D view used last (else the first visible one), unless the
        focus is in another window (a dialog) at the moment."""
        current = QApplication.focusWidget()
        if current is not None and current.window() is not self.window:
            return
        target = self.last_view if self._usable(self.last_view) else next(
            (v for v in self._views() if self._usable(v)), None)
        if target is not None:
            target.setFocus(Qt.OtherFocusReason)

    @staticmethod
    def _usable(view) -> bool:
        return view is not None and view.isVisible() and view.isEnabled()

    # --- actions -------------------------------------------------------------------------------
    def actions_for(self, sequence: QKeySequence) -> list:
        """The window's actions (menus, toolbars) with ``sequence`` as one of their shortcuts."""
        return [a for a in self.window.findChildren(QAction) if any(s.matches(sequence) == QKeySequence.ExactMatch
                                                        for s in a.shortcuts())]

    def _say_unavailable(self, actions) -> None:
        names = " / ".join(a.text().replace("&", "").rstrip("…") for a in actions)
        key = actions[0].shortcut().toString(QKeySequence.NativeText)
        self.window.show_status(f"{key}: {names} is not available now.", 5000)

    def _in_dialog_of_ours(self, widget) -> bool:
        try:
            dialog = widget.window()
        except RuntimeError:
            return False
        parent = dialog.parentWidget() if isinstance(dialog, QDialog) else None
        return parent is not None and parent.window() is self.window

    def _after_dialog(self) -> None:
        """A dialog of this window closed: the window takes the keys back (the widget that had the
        focus before, else the views), so the next shortcut is not lost."""
        active = QApplication.activeModalWidget() or QApplication.activePopupWidget()
        focus = QApplication.focusWidget()
        if active is not None or not self.window.isVisible() or (focus is not None and focus.window() is self.window):
            return
        self.window.activateWindow()
        if self.window.focusWidget() is None:
            self.focus_views()
        else:
            self.window.focusWidget().setFocus(Qt.ActiveWindowFocusReason)

    # --- the filter ----------------------------------------------------------------------------
    def _ours(self, obj) -> bool:
        return isinstance(obj, QWidget) and obj.window() is self.window

    def eventFilter(self, obj, event):  # noqa: N802
        kind = event.type()
        if kind == QEvent.Hide and isinstance(obj, QDialog):
            QTimer.singleShot(0, self, self._after_dialog)  # a dialog of this window closed
            return False
        if kind not in (QEvent.ShortcutOverride, QEvent.KeyPress) or not self._ours(obj):
            return False
        if obj is not QApplication.focusWidget():
            return False  # the same event bubbling up to the parents
        key, modifiers = event.key(), event.modifiers()
        if key in (Qt.Key_unknown, 0) or key in (Qt.Key_Shift, Qt.Key_Control, Qt.Key_Alt, Qt.Key_Meta):
            return False
        actions = self.actions_for(key_sequence(key, modifiers))
        enabled = [a for a in actions if a.isEnabled()]
        route = route_key(focus_kind(obj), key, modifiers, bool(enabled))
        if kind == QEvent.ShortcutOverride:
            return self._on_override(event, route, actions, enabled)
        if route == COMMIT_THEN_VIEWS:
            QTimer.singleShot(0, self, self.focus_views)  # after the widget has applied its value
        return False

    def _on_override(self, event, route: str, actions, enabled) -> bool:
        if route == TO_SHORTCUT:
            self.focus_views()  # ends the edit: the box applies its value (editingFinished)
            event.ignore()  # not taken by the box: Qt's shortcut map runs the action
            return True
        if route == TO_VIEWS:
            self.focus_views()
            return False
        if actions and not enabled and route == TO_WIDGET and focus_kind(QApplication.focusWidget()) == OTHER:
            self._say_unavailable(actions)
        return False


class _WheelOnlyWhenFocused(QObject):
    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() == QEvent.Wheel and not obj.hasFocus():
            event.ignore()  # the wheel goes on to the parent: passing over the box changes nothing
            return True
        return False


def wheel_only_when_focused(widget: QWidget) -> None:
    """A combo or spin box that the mouse wheel changes only once it was clicked (has the focus)."""
    guard = _WheelOnlyWhenFocused(widget)
    widget.installEventFilter(guard)
