"""Needle gauges of the device library: what a gauge means in mm, in one place.

Bone needles (introducer cannulas) and thermocouple needles are named by gauge; their outer diameter
decides the corridor check (a thicker needle breaches sooner) and how the views draw them. Values:
DOMAIN.md "Access geometry" (10G 3.40 mm, 11G 3.05 mm, 13G 2.41 mm, 16G 1.65 mm; the nominal outer
diameters of the Stubs / ISO 9626 gauge series). A new gauge is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NeedleGauge:
    name: str
    outer_diameter_mm: float
    source: str = "DOMAIN.md 'Access geometry' (ISO 9626 nominal outer diameter)"


NEEDLE_GAUGES: dict[str, NeedleGauge] = {g.name: g for g in (
    NeedleGauge("10G", 3.40),
    NeedleGauge("11G", 3.05),
    NeedleGauge("13G", 2.41),  # Chen AJNR 2022: the bone needle
    NeedleGauge("16G", 1.65),  # Chen AJNR 2022: the thermocouple needle
)}

#: Outer diameter (mm) by gauge name, for the plan's validation and the properties panel.
GAUGE_OUTER_DIAMETER_MM: dict[str, float] = {k: g.outer_diameter_mm for k, g in NEEDLE_GAUGES.items()}
