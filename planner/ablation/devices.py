"""Ablation device library: one JSON file per device (``resources/devices`` + a user folder).

File format: ``resources/schemas/device.schema.json`` and docs/ablation-model.md. Each device holds a
zone table over power (W) x time (s) of full zone diameters along (``long_axis_mm``) and across
(``short_axis_mm``) the applicator and the offset of the zone centre from the tip, back along the
shaft (``center_offset_mm``, positive proximal). Between grid points values are interpolated
bilinearly; outside the table :class:`~planner.core.errors.OutOfRangeError` is raised (no silent
extrapolation). Every device carries ``source`` and ``caveats``: the tables are predictions from ex
vivo liver data (Ruiter, Eur Radiol 2019: clinical correlation r = 0.51-0.63).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.errors import LoadError, OutOfRangeError
from planner.core.resources import resource_path

jsonschema = lazy_module("jsonschema")  # imported on first use (start-up time)

KINDS = ("microwave", "radiofrequency", "cryo")
_QUANTITIES = ("long_axis_mm", "short_axis_mm", "center_offset_mm")


@dataclass(frozen=True)
class ZoneDimensions:
    """Interpolated zone size: full diameters and centre offset (mm), and whether any contributing
    table entry is an estimate."""

    long_axis_mm: float
    short_axis_mm: float
    center_offset_mm: float
    estimated: bool


@dataclass(frozen=True, eq=False)
class ZoneTable:
    """Grid of zone sizes: ``values[name]`` has shape (n_power, n_time) (n_power = 1 if power is not
    a parameter, ``power_w`` is then None)."""

    power_w: tuple[float, ...] | None
    time_s: tuple[float, ...]
    values: dict[str, np.ndarray]
    estimated: np.ndarray
    isotherms: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Device:
    id: str
    name: str
    kind: str
    frequency_mhz: float | None
    diameter_mm: float
    gauge: int | None
    source: str
    caveats: str
    table: ZoneTable
    zone_isotherm_c: float | None = None
    path: str = ""

    @property
    def power_range_w(self) -> tuple[float, float] | None:
        p = self.table.power_w
        return None if p is None else (p[0], p[-1])

    @property
    def time_range_s(self) -> tuple[float, float]:
        return self.table.time_s[0], self.table.time_s[-1]

    @property
    def isotherms_c(self) -> tuple[float, ...]:
        return tuple(sorted(float(k) for k in self.table.isotherms))

    def zone_dimensions(self, power_w: float | None, time_s: float,
                        isotherm_c: float | None = None) -> ZoneDimensions:
        """Bilinearly interpolated zone at ``power_w`` and ``time_s``.

        ``isotherm_c`` (cryo only) picks one of the tabulated isotherms instead of the main zone.
        Raises OutOfRangeError naming the valid range when outside the table.
        """
        t = self.table
        wt = _weights(t.time_s, float(time_s), "time", "s", self.name)
        if t.power_w is None:
            wp = [(0, 1.0)]
        else:
            if power_w is None:
                raise OutOfRangeError(f"{self.name} needs a power between {_fmt(t.power_w[0])} and "
                                      f"{_fmt(t.power_w[-1])} W.")
            wp = _weights(t.power_w, float(power_w), "power", "W", self.name)
        source = t.values
        if isotherm_c is not None and (self.zone_isotherm_c is None
                                       or float(isotherm_c) != float(self.zone_isotherm_c)):
            key = _iso_key(isotherm_c, t.isotherms)
            if key is None:
                raise OutOfRangeError(f"{self.name} has no {_fmt(isotherm_c)} °C isotherm "
                                      f"(available: {', '.join(_fmt(v) for v in self.isotherms_c) or 'none'}).")
            source = t.isotherms[key]
        out = {}
        estimated = False
        for name in _QUANTITIES:
            out[name] = sum(a * b * float(source[name][ip, it]) for ip, a in wp for it, b in wt)
        for ip, a in wp:
            for it, b in wt:
                if a * b > 0:
                    estimated |= bool(t.estimated[ip, it])
        return ZoneDimensions(out["long_axis_mm"], out["short_axis_mm"], out["center_offset_mm"], estimated)


def _fmt(v: float) -> str:
    return f"{v:g}"


def _iso_key(isotherm_c, isotherms: dict) -> str | None:
    for k in isotherms:
        if float(k) == float(isotherm_c):
            return k
    return None


def _weights(grid: tuple[float, ...], x: float, what: str, unit: str, name: str) -> list[tuple[int, float]]:
    """Linear-interpolation (index, weight) pairs of ``x`` on ``grid``; OutOfRangeError outside."""
    lo, hi = grid[0], grid[-1]
    tol = 1e-9 * max(1.0, abs(hi))
    if not np.isfinite(x) or x < lo - tol or x > hi + tol:
        raise OutOfRangeError(f"{what} {_fmt(x)} {unit} is outside {_fmt(lo)}-{_fmt(hi)} {unit} for {name}.")
    if len(grid) == 1:
        return [(0, 1.0)]
    x = min(max(x, lo), hi)
    n = int(np.searchsorted(grid, x, side="right") - 1)
    n = min(max(n, 0), len(grid) - 2)
    f = (x - grid[n]) / (grid[n + 1] - grid[n])
    return [(n, 1.0 - f), (n + 1, f)]


@lru_cache(maxsize=1)
def _schema() -> dict:
    with open(resource_path("schemas", "device.schema.json"), encoding="utf-8") as fh:
        return json.load(fh)


def _fail(path: Path, field_name: str, why: str) -> LoadError:
    return LoadError(f"Device file {path.name}: field '{field_name}' {why}", files=[str(path)])


def _check_axis(path: Path, name: str, values: list) -> tuple[float, ...]:
    arr = np.asarray(values, dtype=float)
    if np.any(np.diff(arr) <= 0):
        raise _fail(path, f"zone_table.{name}", "must be strictly increasing.")
    return tuple(float(v) for v in arr)


def _build_table(path: Path, doc: dict) -> ZoneTable:
    tab = doc["zone_table"]
    power = None if tab["power_w"] is None else _check_axis(path, "power_w", tab["power_w"])
    times = _check_axis(path, "time_s", tab["time_s"])
    n_p = 1 if power is None else len(power)
    grid = {name: np.full((n_p, len(times)), np.nan) for name in _QUANTITIES}
    est = np.zeros((n_p, len(times)), dtype=bool)
    iso: dict[str, dict[str, np.ndarray]] = {}
    table_est = bool(tab.get("estimated", doc.get("estimated", False)))
    for n, entry in enumerate(tab["entries"]):
        where = f"zone_table.entries[{n}]"
        if (entry["power_w"] is None) != (power is None):
            raise _fail(path, f"{where}.power_w", "must be null exactly when zone_table.power_w is null.")
        ip = 0 if power is None else _grid_index(path, power, entry["power_w"], f"{where}.power_w")
        it = _grid_index(path, times, entry["time_s"], f"{where}.time_s")
        if not np.isnan(grid["long_axis_mm"][ip, it]):
            raise _fail(path, where, "repeats a (power, time) point already in the table.")
        if entry["long_axis_mm"] < entry["short_axis_mm"]:
            raise _fail(path, f"{where}.long_axis_mm", "is shorter than short_axis_mm.")
        for name in _QUANTITIES:
            grid[name][ip, it] = entry[name]
        est[ip, it] = bool(entry.get("estimated", table_est))
        for key, dims in entry.get("isotherms", {}).items():
            slot = iso.setdefault(key, {q: np.full((n_p, len(times)), np.nan) for q in _QUANTITIES})
            for name in _QUANTITIES:
                slot[name][ip, it] = dims[name]
    if np.isnan(grid["long_axis_mm"]).any():
        raise _fail(path, "zone_table.entries", "does not cover every (power, time) grid point.")
    for key, slot in iso.items():
        if np.isnan(slot["long_axis_mm"]).any():
            raise _fail(path, f"zone_table.entries[].isotherms.{key}", "is missing at some grid points.")
    return ZoneTable(power, times, grid, est, iso)


def _grid_index(path: Path, axis: tuple[float, ...], value, where: str) -> int:
    for n, v in enumerate(axis):
        if abs(v - float(value)) <= 1e-9 * max(1.0, abs(v)):
            return n
        continue
    raise _fail(path, where, f"value {value} is not on the table's axis {list(axis)}.")


def load_device(path) -> Device:
    """Read and check one device file; LoadError names the file and the offending field."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"Device file {path.name} could not be read ({exc}).", files=[str(path)]) from exc
    except json.JSONDecodeError as exc:
        raise LoadError(f"Device file {path.name} is not valid JSON (line {exc.lineno}: {exc.msg}).",
                        files=[str(path)]) from exc
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        field_name = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise _fail(path, field_name, f"is invalid: {err.message}.")
    if doc["kind"] == "microwave" and doc["frequency_mhz"] is None:
        raise _fail(path, "frequency_mhz", "is required for a microwave device.")
    if doc["kind"] != "cryo" and doc["zone_table"]["power_w"] is None:
        raise _fail(path, "zone_table.power_w", "may only be null for a cryo device.")
    table = _build_table(path, doc)
    return Device(id=doc["id"], name=doc["name"], kind=doc["kind"], frequency_mhz=doc["frequency_mhz"],
                  diameter_mm=float(doc["diameter_mm"]), gauge=doc["gauge"], source=doc["source"],
                  caveats=doc["caveats"], table=table, zone_isotherm_c=doc.get("zone_isotherm_c"),
                  path=str(path))


@dataclass(frozen=True)
class DeviceLibrary:
    """Devices by id, and the problems met while loading (one message per rejected file)."""

    devices: dict[str, Device]
    problems: tuple[str, ...]

    def get(self, device_id: str) -> Device:
        try:
            return self.devices[device_id]
        except KeyError:
            raise LoadError(f"No ablation device '{device_id}' in the device library "
                            f"(known: {', '.join(sorted(self.devices)) or 'none'}).") from None


def load_library(user_dir=None, builtin_dir=None) -> DeviceLibrary:
    """Load the shipped devices (``resources/devices``) then those in ``user_dir`` (for instance
    ``~/.spine-planner/devices``). A bad file is skipped with a message in ``problems``; a user device
    with the id of a shipped one replaces it, and that is noted in ``problems`` too."""
    folders = [Path(builtin_dir) if builtin_dir else resource_path("devices")]
    if user_dir is not None:
        folders.append(Path(user_dir).expanduser())
    devices: dict[str, Device] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            try:
                dev = load_device(path)
            except LoadError as exc:
                problems.append(str(exc))
                continue
            if dev.id in devices:
                problems.append(f"Device file {path.name} replaces device '{dev.id}' from "
                                f"{Path(devices[dev.id].path).name}.")
            devices[dev.id] = dev
    return DeviceLibrary(devices, tuple(problems))
