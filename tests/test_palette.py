"""Colours live in planner.core.palette: the canal (once defined six times with four values) is one colour
in the 2D views, the 3D scene, key images and the self-test."""

import re
from pathlib import Path

import pytest

from planner.core import palette

PLANNER = Path(__file__).resolve().parents[1] / "planner"
_LITERAL = re.compile(r"(?i)canal[a-z_]*(rgb|colou?r)[a-z_0-9]*\s*=\s*(QColor\(\s*\d|\(\s*[0-9.]+\s*,)")


def test_unit_and_hex_are_exact_conversions():
    assert palette.unit((255, 0, 51)) == (1.0, 0.0, 0.2)
    assert palette.hex_code((255, 0, 51)) == "#ff0033"


def test_no_canal_colour_is_defined_outside_the_palette():
    offenders = [f"{p.relative_to(PLANNER)}:{n}" for p in PLANNER.rglob("*.py") if p.name != "palette.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if _LITERAL.search(line)]
    assert offenders == []


def test_the_canal_is_one_colour_in_every_medium():
    pytest.importorskip("vtkmodules")
    pytest.importorskip("PySide6")
    from planner.render import key_images, mask_surfaces
    from planner.ui import plan_overlays, scene_plan

    assert plan_overlays.CANAL_RGB.getRgb()[:3] == palette.CANAL
    assert key_images.CANAL_RGB == palette.CANAL
    expected = tuple(c / 255 for c in palette.CANAL)
    for rgb in (mask_surfaces.CANAL_RGB, key_images.CANAL_RGB_3D, scene_plan.CANAL_RGB):
        assert rgb == pytest.approx(expected)


def test_a_thermocouple_curve_has_the_same_colour_in_the_dock_and_the_report():
    """Once the dock had seven curve colours and the PDF six, so from the sixth thermocouple on the same
    curve had another colour in the report than on screen."""
    pytest.importorskip("PySide6")
    pytest.importorskip("reportlab")
    from planner.report import thermal_plot as report_plot
    from planner.ui import thermal_plot as dock_plot

    dock = [c.getRgb()[:3] for c in dock_plot.PALETTE]
    report = [tuple(round(v * 255) for v in c.rgb()) for c in report_plot._COLOURS]
    assert dock == report == list(palette.THERMAL_CURVES)


def test_no_hex_colour_literal_is_left_in_the_thermal_plots():
    for name in ("ui/thermal_plot.py", "report/thermal_plot.py"):
        assert not re.search(r'"#[0-9a-fA-F]{6}"', (PLANNER / name).read_text(encoding="utf-8")), name


def _lab(rgb) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an 8-bit sRGB colour: the sRGB transfer curve, the sRGB-to-XYZ matrix and the CIE
    cube-root function (IEC 61966-2-1; CIE 15:2004)."""
    lin = [((c / 255 + 0.055) / 1.055) ** 2.4 if c / 255 > 0.04045 else c / 255 / 12.92 for c in rgb]
    m = ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505))
    x, y, z = (sum(a * b for a, b in zip(row, lin)) for row in m)
    f = [t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29
         for t in (x / 0.95047, y / 1.0, z / 1.08883)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def test_the_ctv_stands_apart_from_what_is_drawn_beside_it():
    """The CTV's outline runs along the canal's at the posterior wall and around the lesion, the zones and the
    foramina: its colour differs from each by a CIE76 colour difference of at least 30 (about three times
    what a viewer is said to just notice side by side, ~2.3: Sharma 2003)."""
    ctv = _lab(palette.CTV)
    for name in ("CANAL", "FORAMEN", "TARGET", "ZONE", "CANAL_IN_ZONE", "SELECTED", "THERMOCOUPLE", "LEVEL"):
        other = _lab(getattr(palette, name))
        delta = sum((a - b) ** 2 for a, b in zip(ctv, other)) ** 0.5
        assert delta >= 30.0, (name, round(delta, 1))
