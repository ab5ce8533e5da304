"""Figures shown for one plan item, as (label, text) rows: every number comes from the plan, the
geometry helpers or the session's evaluation (the same values the report and the CLI print)."""

from __future__ import annotations

import math

import numpy as np

from planner.geometry.trajectory import trajectory_angles


def _fmt(value, unit: str, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:.{digits}f} {unit}".strip()


#: The rows of a needle's corridor report, in order ("Outside the body" only when it applies). While the
#: report is being computed the same rows read "checking…": one row in their place made the properties
#: panel lay itself out twice per edit (its height and scroll range changed and changed back, issue 19).
CORRIDOR_LABELS = ("Length in bone", "Depth skin → tip", "Worst breach", "Enters the canal")


def needle_rows(session, needle) -> list[tuple[str, str]]:
    rows = [("Length entry → tip", _fmt(needle.length_mm, "mm")),
            ("Outer diameter", _fmt(needle.outer_diameter_mm, "mm", 2))]
    angles = trajectory_angles(needle.entry_lps, needle.tip_lps, needle.side)
    rows += [("Medial angle (patient)", _fmt(angles.medial_deg, "°")),
             ("Cranial angle (patient)", _fmt(angles.cranial_deg, "°"))]
    linked = session.needle_level(needle) if hasattr(session, "needle_level") else needle.level
    if linked and linked != needle.level:
        rows.append(("Level", f"{linked} (the vertebra its tip is in)"))
    level = session.plan.level_named(needle.level) if needle.level else None
    if level is not None:
        local = trajectory_angles(needle.entry_lps, needle.tip_lps, needle.side, level.axes)
        rows += [(f"Medial angle ({level.name} axes)", _fmt(local.medial_deg, "°")),
                 (f"Cranial angle ({level.name} axes)", _fmt(local.cranial_deg, "°"))]
        wall = level.posterior_wall_lps()
        if wall is not None:
            rows.append(("Tip to posterior wall", _wall_text(tip_anterior_to_wall_mm(needle, level))))
    ev = session.evaluation
    report = ev.corridors.get(needle.id) if ev is not None else None
    if report is None and session.volume is None:
        rows.append(("Corridor", "—"))
    elif report is None:  # being checked: the report's own rows, so the panel does not re-settle (issue 19)
        rows += [(label, "checking…") for label in CORRIDOR_LABELS]
    else:
        length, depth, breach, canal = CORRIDOR_LABELS
        rows += [(length, _fmt(report.length_in_bone_mm, "mm")),
                 (depth, _fmt(report.depth_from_skin_mm, "mm")),
                 *([("Outside the body", report.outside_body)] if report.outside_body else []),
                 (breach, f"{report.max_breach_mm:.1f} mm (grade {report.grade})" if report.breaches
                  else "none (grade 0)"),
                 (canal, "YES" if report.enters_canal else "no")]
    antenna = session.plan.antenna_for(needle.id)
    if antenna is not None:
        rows += antenna_rows(session, antenna)
    return rows


def tip_anterior_to_wall_mm(needle, level) -> float:
    """How far the needle tip lies anterior to the level's posterior wall plane (negative: behind it,
    i.e. in the canal's direction). The wall plane passes through ``level.posterior_wall_lps()`` with
    the level's anterior-posterior axis (toward posterior) as normal."""
    ap = np.asarray(level.axes[1], dtype=float)
    return float(np.dot(level.posterior_wall_lps() - np.asarray(needle.tip_lps), ap))


def _wall_text(d_mm: float) -> str:
    return f"{d_mm:.1f} mm anterior" if d_mm >= 0 else f"{-d_mm:.1f} mm BEHIND the wall"


def antenna_rows(session, antenna) -> list[tuple[str, str]]:
    ev = session.evaluation
    zr = ev.zone_for(antenna.id) if ev is not None else None
    rows = [("Antenna", f"{antenna.device_id}, {antenna.power_w:g} W, {antenna.time_s:g} s")]
    if zr is None:
        return rows
    if zr.zone is None:
        return rows + [("Zone", zr.error)]
    e = zr.zone.ellipsoid
    semi = sorted(e.semi_axes_mm, reverse=True)
    rows += [("Zone long × short axis", f"{2 * semi[0]:.1f} × {2 * semi[-1]:.1f} mm"),
             ("Zone volume", _fmt(e.volume_ml, "mL", 2)),
             ("Zone", "prediction (estimated values)" if zr.zone.estimated else "prediction from the device table")]
    try:
        device = session.devices.get(antenna.device_id)
        rows.append(("Zone source", device.source))
    except Exception:  # noqa: BLE001 - the device error is already a finding
        pass
    return rows


def thermocouple_rows(session, tc) -> list[tuple[str, str]]:
    """The thermocouple's limits, distance to the zone and its reading (the bioheat peak of this plan,
    else the screening estimate, named: planner.analysis.probe_reading), as the 2D label writes it."""
    rows = [("Alarm / pre-alarm", f"{tc.alarm_c:g} / {tc.prealarm_c:g} °C")]
    ev = session.evaluation
    reading = ev.reading(tc.id) if ev is not None else None
    if reading is None:
        return rows + [("Temperature", "— (no zone)")]
    return rows + [("Distance to zone", _fmt(reading.distance_to_zone_mm, "mm")),
                   ("Temperature", reading.text)]


def plan_rows(session) -> list[tuple[str, str]]:
    """Whole-plan figures: canal overlap and distance, lesion coverage."""
    ev = session.evaluation
    if ev is None or ev.analysis is None:
        return []
    a = ev.analysis
    if not ev.planned_zones:
        return [("Predicted zones", "none yet: add an antenna to a needle")]
    rows = [("Zone ∩ canal", _fmt(a.canal_overlap_ml, "mL", 3)),
            ("Zone ↔ canal distance", _fmt(a.canal_signed_distance_mm, "mm"))]
    if math.isfinite(a.coverage_percent):
        rows += [("Target coverage", _fmt(a.coverage_percent, "%")), ("Minimum margin", _fmt(a.min_margin_mm, "mm"))]
    return rows


def item_rows(session, item_id: str) -> list[tuple[str, str]]:
    item = session.plan.get(item_id)
    if item.KIND == "needle":
        return needle_rows(session, item)
    if item.KIND == "antenna":
        return antenna_rows(session, item)
    if item.KIND == "thermocouple":
        return thermocouple_rows(session, item)
    return []
