"""Window/level mapping of HU to 8-bit grey, and the shipped window presets (numpy only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from planner.core.resources import resource_path


@dataclass(frozen=True)
class WindowPreset:
    id: str
    name: str
    key: str
    center_hu: float
    width_hu: float


@lru_cache(maxsize=1)
def window_presets() -> tuple[WindowPreset, ...]:
    """Presets from ``resources/presets/window_presets.json``."""
    data = json.loads(resource_path("presets", "window_presets.json").read_text(encoding="utf-8"))
    return tuple(
        WindowPreset(p["id"], p["name"], p["key"], float(p["center_hu"]), float(p["width_hu"]))
        for p in data["presets"]
    )


def preset(preset_id: str) -> WindowPreset:
    for p in window_presets():
        if p.id == preset_id:
            return p
    raise KeyError(preset_id)


def initial_window(info) -> tuple[float, float, str]:
    """(centre HU, width HU, where from) of the window a newly opened series is shown with: the window the
    series stores (Window Center/Width (0028,1050)/(0028,1051), as 3D Slicer and PACS viewers do), else
    the first preset (bone)."""
    centre = getattr(info, "window_center_hu", None)
    width = getattr(info, "window_width_hu", None)
    if centre is not None and width is not None:
        return float(centre), float(width), "the series' stored window"
    first = window_presets()[0]
    return first.center_hu, first.width_hu, f"preset {first.name}"


def load_message(n_warnings: int, center_hu: float, width_hu: float, source: str) -> str:
    """The status line after a series opens: its warnings (if any), the window it is shown with and where
    that came from, and the bone preset's key (issue 19: a real scan opens in the soft-tissue window it
    stores, and a planner for bone should say how to get to bone in one key)."""
    bone = preset("bone")
    text = f"Loaded with {n_warnings} warning(s): see the Safety panel. " if n_warnings else ""
    text += f"Window W {width_hu:.0f} L {center_hu:.0f} ({source})"
    if (round(center_hu), round(width_hu)) != (round(bone.center_hu), round(bone.width_hu)):
        text += f"; key {bone.key}: {bone.name} W {bone.width_hu:.0f} L {bone.center_hu:.0f}"
    return text + "."


@lru_cache(maxsize=8)
def _int16_lut(center_hu: float, width_hu: float) -> np.ndarray:
    hu = np.arange(-32768, 32768, dtype=np.float32)
    return _linear(hu, center_hu, width_hu)


def _linear(hu: np.ndarray, center_hu: float, width_hu: float) -> np.ndarray:
    # DICOM PS3.3 C.11.2.1.2.1 linear VOI function: grey = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.
    width = max(float(width_hu), 1.0)
    scaled = ((hu - (center_hu - 0.5)) / max(width - 1.0, 1.0) + 0.5) * 255.0
    return np.clip(scaled, 0, 255).astype(np.uint8)


def apply_window(hu: np.ndarray, center_hu: float, width_hu: float) -> np.ndarray:
    """HU array to uint8 grey by the DICOM linear VOI function; int16 input goes through a LUT."""
    if hu.dtype == np.int16:
        lut = _int16_lut(float(center_hu), float(width_hu))
        return lut[hu.view(np.uint16) ^ np.uint16(0x8000)]
    return _linear(np.asarray(hu, dtype=np.float32), center_hu, width_hu)
