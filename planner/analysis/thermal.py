"""Conservative temperature estimate at a point near a predicted zone (thermocouple check).

Model (docs/ablation-model.md), for a heating zone (microwave, RF), with d the exact distance
from the point to the zone surface and L = sqrt(4 alpha t) the conduction length for the zone's
ablation time t (alpha of the most diffusive tissue in DOMAIN.md, so L errs long):

    d >= 0:  T = T_body + (T_edge - T_body) * exp(-d / L)
    d <  0:  T = T_edge + (T_core - T_edge) * min(1, -d / b)       (b = shortest semi-axis)

with T_body = 37 °C, T_edge = 60 °C (the zone edge is the coagulation isotherm, Brace 2009) and
T_core = 100 °C. Why it errs hot: (1) exp(-x) >= erfc(x) for x >= 0, and erfc(d / L) is the exact
profile beside a *planar* boundary held at T_edge for the whole time t (Carslaw & Jaeger); a curved
(convex) zone cools faster with distance than a plane; (2) the edge is assumed at T_edge for the whole
ablation although the zone grows during it; (3) perfusion, which carries heat away, is ignored;
(4) bone's lower diffusivity is ignored (Nijland, Int J Hyperthermia 2024: cortical bone insulates only
a little). What it does not model: heat still spreading after the power is switched off, vapour, and
tissue-specific absorption; it is a screening estimate, not a measurement. For a cryo zone the same
form is used with the cold edge: T = T_body - (T_body - T_ice) * exp(-d / L), T_ice = 0 °C at the
ice-ball edge (errs cold); inside the ice ball, T falls linearly to -40 °C at depth b.
Several zones: each zone's excess over body temperature is computed and the largest is taken
(zones ablated one after the other, cooling in between); ``simultaneous=True`` adds the excesses.
"""

from __future__ import annotations

import numpy as np

from planner.ablation.zones import conduction_length_mm

T_CORE_C = 100.0
T_ICE_EDGE_C = 0.0
T_ICE_CORE_C = -40.0


def heating_temperature_c(distance_mm, conduction_mm: float, shortest_semi_axis_mm: float,
                          body_c: float = 37.0, edge_c: float = 60.0) -> np.ndarray:
    """Predicted temperature (°C) at signed distance ``distance_mm`` from a heating zone's surface."""
    d = np.asarray(distance_mm, dtype=float)
    outside = body_c + (edge_c - body_c) * np.exp(-np.maximum(d, 0.0) / max(conduction_mm, 1e-9))
    inside = edge_c + (T_CORE_C - edge_c) * np.minimum(1.0, np.maximum(-d, 0.0) / shortest_semi_axis_mm)
    return np.where(d >= 0, outside, inside)


def freezing_temperature_c(distance_mm, conduction_mm: float, shortest_semi_axis_mm: float,
                           body_c: float = 37.0) -> np.ndarray:
    """Predicted temperature (°C) at signed distance from a cryo zone's 0 °C surface (errs cold)."""
    d = np.asarray(distance_mm, dtype=float)
    outside = body_c - (body_c - T_ICE_EDGE_C) * np.exp(-np.maximum(d, 0.0) / max(conduction_mm, 1e-9))
    inside = T_ICE_EDGE_C + (T_ICE_CORE_C - T_ICE_EDGE_C) * np.minimum(
        1.0, np.maximum(-d, 0.0) / shortest_semi_axis_mm)
    return np.where(d >= 0, outside, inside)


def predicted_temperature_c(points_lps, zones, body_c: float = 37.0, edge_c: float = 60.0,
                            default_time_s: float = 300.0, simultaneous: bool = False, signed_distance=None):
    """Predicted temperatures at ``points_lps`` (n, 3) from ``zones`` (PlannedZone or Ellipsoid).

    Returns ``(temperature_c (n,), distance_mm (n,) to the nearest zone surface, index (n,) of the
    zone that dominates)``. Heating and freezing excesses are kept apart: the result is the hotter
    of the heating estimates or, when only cryo zones are near, the colder freezing estimate.
    ``signed_distance(ellipsoid, points)``: how a zone's distances are had (default: computed; the
    session keeps them per zone shape while dragging, :mod:`planner.analysis.zone_distance`).
    """
    pts = np.asarray(points_lps, dtype=float).reshape(-1, 3)
    n = len(pts)
    hot = np.zeros(n)
    cold = np.zeros(n)
    dist = np.full(n, np.inf)
    dominant = np.full(n, -1)
    strongest = np.zeros(n)
    for z_index, zone in enumerate(zones):
        ell = getattr(zone, "ellipsoid", zone)
        time_s = float(getattr(zone, "time_s", default_time_s))
        kind = getattr(zone, "kind", "microwave")
        d = ell.signed_distance(pts) if signed_distance is None else signed_distance(ell, pts)
        dist = np.minimum(dist, d)
        length = conduction_length_mm(time_s)
        b = float(ell.semi_axes_mm.min())
        if kind == "cryo":
            excess = body_c - freezing_temperature_c(d, length, b, body_c)
            cold = cold + excess if simultaneous else np.maximum(cold, excess)
        else:
            excess = heating_temperature_c(d, length, b, body_c, edge_c) - body_c
            hot = hot + excess if simultaneous else np.maximum(hot, excess)
        stronger = excess > strongest
        dominant = np.where(stronger, z_index, dominant)
        strongest = np.maximum(strongest, excess)
    temp = np.where(hot >= cold, body_c + hot, body_c - cold)
    return temp, dist, dominant
