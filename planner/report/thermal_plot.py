"""Reportlab flowables for the thermal model in the PDF report: a temperature-time chart of the
thermocouples and the neural structures (pre-alarm and alarm lines, power-off time) and a table of
peaks, alarm times and doses. Input: the report dict of planner.thermal.report (headless keys)."""

from __future__ import annotations

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from planner.core import palette

_COLOURS = tuple(colors.HexColor(palette.hex_code(rgb)) for rgb in palette.THERMAL_CURVES)


def _series(report: dict):
    """(label, entry) of the structures, then the thermocouples: the dock's order
    (planner.ui.thermal_dock.report_curves), so curve n has the same colour in both and a structure's
    colour stays when thermocouples come or go."""
    out = []
    for s in report.get("structures", []):
        out.append((s["name"], s))
    for tc in report.get("thermocouples", []):
        out.append((f"TC {tc['name']}", tc))
    return out


def _dose(cem43_min) -> str:
    """Minutes as the safety panel writes them, capped ("> 10,000"; rules.thermal.cem43_text)."""
    from planner.analysis.rules.thermal import cem43_text

    return "—" if cem43_min is None else cem43_text(cem43_min).removesuffix(" min")


def _fmt(v, unit="", digits=1):
    return "never" if v is None else f"{v:.{digits}f}{unit}"


def thermal_chart(report: dict, width_mm: float = 170.0, height_mm: float = 70.0,
                  prealarm_c: float = 42.0, alarm_c: float = 45.0) -> Drawing:
    w, h = width_mm * mm, height_mm * mm
    d = Drawing(w, h)
    series = _series(report)
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = 30, 20, w - 130, h - 30
    data = [list(zip(e["curve"]["time_s"], e["curve"]["temperature_c"])) for _, e in series] or [[(0, 37), (1, 37)]]
    lp.data = data
    temps = [T for line in data for _, T in line] + [prealarm_c, alarm_c, 37.0]
    t_max = max(t for line in data for t, _ in line)
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = 0, t_max
    lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = min(temps) - 1, max(temps) + 1
    for n in range(len(data)):
        lp.lines[n].strokeColor = _COLOURS[n % len(_COLOURS)]
        lp.lines[n].strokeWidth = 1.2
    d.add(lp)

    def y_of(T):
        lo, hi = lp.yValueAxis.valueMin, lp.yValueAxis.valueMax
        return lp.y + lp.height * (T - lo) / (hi - lo)
    for T, colour in ((prealarm_c, colors.HexColor(palette.hex_code(palette.THERMAL_PREALARM_LINE))),
                      (alarm_c, colors.HexColor(palette.hex_code(palette.THERMAL_ALARM_LINE)))):
        d.add(Line(lp.x, y_of(T), lp.x + lp.width, y_of(T), strokeColor=colour, strokeDashArray=[3, 2]))
    off = report.get("power_off_s")
    if off is not None:
        x = lp.x + lp.width * off / t_max
        d.add(Line(x, lp.y, x, lp.y + lp.height, strokeColor=colors.grey, strokeDashArray=[1, 2]))
        d.add(String(x + 2, lp.y + lp.height - 8, "power off", fontSize=6, fillColor=colors.grey))
    for n, (label, _) in enumerate(series):
        d.add(String(lp.x + lp.width + 8, lp.y + lp.height - 10 * n - 6, label[:22], fontSize=7,
                     fillColor=_COLOURS[n % len(_COLOURS)]))
    d.add(String(lp.x, 4, "time (s); temperature (C)", fontSize=7))
    return d


def thermal_flowables(report: dict, styles) -> list:
    """[heading, chart, table, note] for the PDF; ``styles`` is a reportlab stylesheet."""
    rows = [["", "peak (C)", "at (s)", "42 C at", "45 C at", "CEM43 (min)"]]
    for label, e in _series(report):
        rows.append([label, _fmt(e["peak_c"]), _fmt(e["peak_time_s"], digits=0), _fmt(e["prealarm_time_s"], digits=0),
                     _fmt(e["alarm_time_s"], digits=0), _dose(e["cem43_min"])])
    table = Table(rows, hAlign="LEFT")
    table.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8), ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey)]))
    safe = report.get("safe_time_s") or {}
    note = ("Bioheat model (Pennes) on this CT: a prediction, not a measurement. Power off at "
            f"{_fmt(report.get('power_off_s'), ' s', 0)}; damage region (CEM43 >= 240 min) "
            f"{_fmt((report.get('damage') or {}).get('volume_ml'), ' mL', 1)}."
            + "".join(f" Safe time {k}: {_fmt(v, ' s', 0)}." for k, v in safe.items()))
    return [Paragraph("Predicted temperatures", styles["Heading2"]), thermal_chart(report), Spacer(1, 4 * mm),
            table, Spacer(1, 2 * mm), Paragraph(note, styles["Normal"])]
