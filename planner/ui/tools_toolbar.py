"""The main window's Tools toolbar: the tool buttons (with their keys), measurements, the Window/level
mouse mode, the level box and the slab MIP thickness."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolBar

#: (tool key, button text, shortcut) of the tools whose key works everywhere in the window.
TOOL_KEYS = (("navigate", "Navigate", "Esc"), ("ruler", "Ruler", "M"), ("angle", "Angle", "A"))
#: Placement tools: their keys are the planning menu's (N, T), shown in the tooltip only.
PLACE_KEYS = (("place_needle", "Needle", "N"), ("place_thermocouple", "Thermocouple", "T"))


def build_tools_toolbar(window) -> None:
    """Add the toolbar to ``window``; sets ``window.tool_actions`` and ``window.slab_spin``."""
    bar = QToolBar("Tools", window)
    bar.setObjectName("tools_toolbar")
    window.addToolBar(bar)
    group = QActionGroup(window)
    window.tool_actions = {}
    own_keys = {k for k, _, _ in TOOL_KEYS}
    for key, text, shortcut in TOOL_KEYS + PLACE_KEYS:
        action = QAction(text, window)
        action.setCheckable(True)
        action.setToolTip(f"{text} ({shortcut})")
        if key in own_keys:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False, k=key: window.set_tool(k))
        group.addAction(action)
        bar.addAction(action)
        window.tool_actions[key] = action
    bar.addAction(window.add_action(window.planning.plan_menu, "Clear measurements", window.measurements.clear))
    bar.addAction(window.view_prefs.wl_action)  # Window/level mouse mode (W), as on Slicer's toolbar
    for widget in window.levels.toolbar_widgets():
        bar.addWidget(widget)
    bar.addSeparator()
    bar.addWidget(QLabel(" Slab MIP "))
    spin = QDoubleSpinBox(window)
    spin.setObjectName("slab_mip")
    spin.setRange(0, 60)
    spin.setSingleStep(2)
    spin.setSuffix(" mm")
    spin.setSpecialValueText("off")
    spin.setToolTip("Thick-slab maximum intensity projection in the 2D views (0 = off)")
    spin.valueChanged.connect(window.set_slab)
    bar.addWidget(spin)
    window.slab_spin = spin
