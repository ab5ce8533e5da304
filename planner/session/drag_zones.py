"""Each antenna's predicted zone, kept until what it is computed from changes (issue 15).

A drag moves one needle; the other antennas' zones have not changed, so they are not computed again:
:class:`ZoneCache` keys each antenna's :class:`~planner.session.evaluation.ZoneResult` by everything
:func:`planner.ablation.zones.planned_zone` reads of the plan and the device library (the antenna's
device, power, time and tip extension; its needle's entry and tip; the device object itself, so a new
library computes afresh). ``computed`` counts the zones actually computed (tests, the benchmark).
Qt-free.
"""

from __future__ import annotations

from planner.ablation.zones import planned_zone
from planner.core.errors import PlannerError
from planner.session.evaluation import ZoneResult

__all__ = ["ZoneCache", "zone_inputs"]


def zone_inputs(antenna, needle) -> tuple:
    """What the zone of ``antenna`` through ``needle`` is computed from in the plan: the device id,
    power (W), time (s), tip extension (mm), and the needle (id, entry and tip, LPS mm)."""
    return (antenna.id, antenna.device_id, antenna.power_w, antenna.time_s, antenna.extension_mm,
            needle.id, tuple(needle.entry_lps), tuple(needle.tip_lps))


class ZoneCache:
    """Antenna id -> (inputs, device, ZoneResult) of the last zone computed for it."""

    def __init__(self):
        self._zones: dict[str, tuple[tuple, object, ZoneResult]] = {}
        self.computed = 0  # zones computed (not taken from the cache) since the session started

    def clear(self) -> None:
        self._zones.clear()

    def results(self, plan, devices) -> list[ZoneResult]:
        """The zone of every antenna of ``plan`` in plan order; only antennas whose inputs changed (or
        whose device object is not the library's current one) are computed. ``devices``: a
        :class:`~planner.ablation.devices.DeviceLibrary` (read only when a zone must be computed or
        its device checked), or a function giving it: asked only when the plan has an antenna (reading
        the shipped library imports jsonschema: a case without antennas never needs it)."""
        out, keep = [], set()
        if plan.antennas and callable(devices):
            devices = devices()
        for antenna in plan.antennas:
            needle = plan.get(antenna.needle_id)
            key = zone_inputs(antenna, needle)
            keep.add(antenna.id)
            try:
                device = devices.get(antenna.device_id)
            except PlannerError as exc:  # not cached: a library with that device may come later
                out.append(ZoneResult(antenna.id, needle.id, None, str(exc)))
                self._zones.pop(antenna.id, None)
                continue
            cached = self._zones.get(antenna.id)
            if cached is not None and cached[0] == key and cached[1] is device:
                out.append(cached[2])
                continue
            out.append(self._compute(antenna, needle, device, key))
        for stale in set(self._zones) - keep:  # antennas deleted from the plan
            del self._zones[stale]
        return out

    def _compute(self, antenna, needle, device, key) -> ZoneResult:
        self.computed += 1
        try:
            zone = planned_zone(antenna.tip_lps(needle), needle.direction, device, antenna.power_w,
                                antenna.time_s, item_id=antenna.id)
            result = ZoneResult(antenna.id, needle.id, zone)
        except PlannerError as exc:  # e.g. a power outside the device's table: kept as the zone's message
            result = ZoneResult(antenna.id, needle.id, None, str(exc))
        self._zones[antenna.id] = (key, device, result)
        return result
