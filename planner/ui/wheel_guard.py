"""Number boxes take the mouse wheel only when they have the keyboard focus, app-wide.

Qt's spin boxes and combo boxes default to ``Qt.WheelFocus``: a wheel turn over one changes its value
(and gives it the focus), so scrolling a panel changes the slab thickness or a power that the mouse
happens to pass over. The common desktop remedy (as in Qt's own "wheel focus" advice and the
applications that follow it) is applied here to every such widget of the application:

- the focus policy becomes ``Qt.StrongFocus`` (a click or Tab gives the focus, the wheel does not);
- a wheel event over an unfocused box is filtered out and offered to the box's parents in turn, as
  QApplication::notify offers an ignored wheel event (the scroll area scrolls on as if the box were
  not there). It is passed on here rather than left ignored because Qt 6 propagates only spontaneous
  wheel events, not those sent by code (a scripted scroll, a test).

A focused box still steps with the wheel.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox

GUARDED = (QAbstractSpinBox, QComboBox)


def _guarded_box(obj):
    """The spin box or combo box ``obj`` is, or whose editor ``obj`` is (a spin box's line edit)."""
    if isinstance(obj, GUARDED):
        return obj
    parent = obj.parent() if isinstance(obj, QObject) else None
    if isinstance(parent, GUARDED) and getattr(obj, "isWidgetType", lambda: False)():
        return parent
    return None


class WheelGuard(QObject):
    """The application event filter; install it with :func:`install_wheel_guard`."""

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Polish and isinstance(obj, GUARDED):
            if obj.focusPolicy() == Qt.WheelFocus:
                obj.setFocusPolicy(Qt.StrongFocus)
        elif kind == QEvent.Wheel:
            box = _guarded_box(obj)
            if box is not None and not box.hasFocus():
                pass_to_parents(obj, box, event)
                event.accept()  # handled here: QApplication must not offer it to the parents again
                return True
        return False


def pass_to_parents(receiver, box, event) -> None:
    """Offer ``event`` (received by ``receiver``, ``box`` or its editor) to ``box``'s parent widgets,
    nearest first, until one accepts it (at most up to the window)."""
    widget = box.parentWidget()
    while widget is not None:
        pos = receiver.mapTo(widget, event.position())
        copy = QWheelEvent(pos, event.globalPosition(), event.pixelDelta(), event.angleDelta(), event.buttons(),
                           event.modifiers(), event.phase(), event.inverted(), event.source())
        QApplication.sendEvent(widget, copy)
        if copy.isAccepted() or widget.isWindow():
            return
        widget = widget.parentWidget()


def install_wheel_guard(app: QApplication | None = None) -> WheelGuard | None:
    """Install the guard on ``app`` (the running application) once; returns it (None without an app)."""
    app = app or QApplication.instance()
    if app is None:
        return None
    guard = app.findChild(WheelGuard, "wheel_guard")
    if guard is None:
        guard = WheelGuard(app)
        guard.setObjectName("wheel_guard")
        app.installEventFilter(guard)
    return guard
