"""The tissue table (``resources/tissues/tissues.json``): thermal and absorption properties per tissue.

Every value in the file carries ``source`` and ``estimated`` (DOMAIN.md, "Tissue properties for a
conduction model": IT'IS values quoted second-hand). :class:`TissueTable` turns it into per-label
arrays for the solver; label ``n`` is the ``n``-th tissue of the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from planner.core.errors import LoadError
from planner.core.resources import resource_path

_FIELDS = ("density_kg_m3", "heat_capacity_j_kg_k", "conductivity_w_m_k", "perfusion_ml_min_kg",
           "mw_relative_absorption", "rf_relative_absorption", "water_fraction")


@dataclass(frozen=True, eq=False)
class TissueTable:
    """Per-label property arrays (index = label) and the constants of the model."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    density_kg_m3: np.ndarray
    heat_capacity_j_kg_k: np.ndarray
    conductivity_w_m_k: np.ndarray
    perfusion_ml_min_kg: np.ndarray
    mw_relative_absorption: np.ndarray
    rf_relative_absorption: np.ndarray
    water_fraction: np.ndarray
    estimated: dict
    blood_density_kg_m3: float
    blood_heat_capacity_j_kg_k: float
    arterial_c: float
    latent_heat_j_kg: float
    liquidus_c: float
    solidus_c: float
    shutdown_cem43_min: float
    path: str = ""

    def label(self, tissue_id: str) -> int:
        try:
            return self.ids.index(tissue_id)
        except ValueError:
            raise LoadError(f"Tissue table {Path(self.path).name}: no tissue '{tissue_id}' "
                            f"(known: {', '.join(self.ids)}).", files=[self.path]) from None

    @property
    def perfusion_w_m3_k(self) -> np.ndarray:
        """Pennes perfusion term w_b c_b (W/(m^3 K)) from mL/(min kg):
        w_b [kg/(m^3 s)] = perfusion * 1e-6 m^3/mL / 60 s/min * rho_tissue * rho_blood."""
        return (self.perfusion_ml_min_kg * 1e-6 / 60.0 * self.density_kg_m3 * self.blood_density_kg_m3
                * self.blood_heat_capacity_j_kg_k)

    @property
    def rho_c(self) -> np.ndarray:
        return self.density_kg_m3 * self.heat_capacity_j_kg_k

    def with_tissue(self, tissue_id: str, **values) -> "TissueTable":
        """A copy with some properties of one tissue changed (tests, sensitivity studies)."""
        n = self.label(tissue_id)
        arrays = {f: getattr(self, f).copy() for f in _FIELDS}
        for key, value in values.items():
            arrays[key][n] = float(value)
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        fields.update(arrays)
        return TissueTable(**fields)


def _value(path: Path, entry: dict, where: str) -> float:
    try:
        value = float(entry["value"])
        entry["source"], entry["estimated"]
    except (KeyError, TypeError, ValueError):
        raise LoadError(f"Tissue table {path.name}: '{where}' needs a numeric value, a source and an "
                        f"estimated flag.", files=[str(path)]) from None
    if not np.isfinite(value):
        raise LoadError(f"Tissue table {path.name}: '{where}' is not finite.", files=[str(path)])
    return value


def load_tissues(path=None) -> TissueTable:
    """Read and check a tissue table; LoadError names the file and the field."""
    path = Path(path) if path is not None else resource_path("tissues", "tissues.json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LoadError(f"Tissue table {path.name} could not be read ({exc}).", files=[str(path)]) from exc
    if doc.get("format") != "spine-planner-tissues/1" or not isinstance(doc.get("tissues"), list):
        raise LoadError(f"Tissue table {path.name}: 'format' must be spine-planner-tissues/1 with a "
                        f"'tissues' list.", files=[str(path)])
    cols = {f: [] for f in _FIELDS}
    ids, names, est = [], [], {}
    for n, t in enumerate(doc["tissues"]):
        tid = t.get("id", f"tissues[{n}]")
        ids.append(tid)
        names.append(t.get("name", tid))
        for f in _FIELDS:
            if f not in t:
                raise LoadError(f"Tissue table {path.name}: tissue '{tid}' has no '{f}'.", files=[str(path)])
            cols[f].append(_value(path, t[f], f"{tid}.{f}"))
            est[(tid, f)] = bool(t[f]["estimated"])
        if cols["density_kg_m3"][-1] <= 0 or cols["heat_capacity_j_kg_k"][-1] <= 0:
            raise LoadError(f"Tissue table {path.name}: tissue '{tid}' needs a positive density and heat "
                            f"capacity.", files=[str(path)])
        if cols["conductivity_w_m_k"][-1] < 0 or cols["perfusion_ml_min_kg"][-1] < 0:
            raise LoadError(f"Tissue table {path.name}: tissue '{tid}' has a negative conductivity or "
                            f"perfusion.", files=[str(path)])
    try:
        blood, phase, coag = doc["blood"], doc["phase_change"], doc["coagulation"]
        consts = dict(
            blood_density_kg_m3=_value(path, blood["density_kg_m3"], "blood.density_kg_m3"),
            blood_heat_capacity_j_kg_k=_value(path, blood["heat_capacity_j_kg_k"], "blood.heat_capacity_j_kg_k"),
            arterial_c=_value(path, blood["arterial_temperature_c"], "blood.arterial_temperature_c"),
            latent_heat_j_kg=_value(path, phase["latent_heat_j_kg"], "phase_change.latent_heat_j_kg"),
            liquidus_c=_value(path, phase["liquidus_c"], "phase_change.liquidus_c"),
            solidus_c=_value(path, phase["solidus_c"], "phase_change.solidus_c"),
            shutdown_cem43_min=_value(path, coag["perfusion_shutdown_cem43_min"],
                                      "coagulation.perfusion_shutdown_cem43_min"),
        )
    except KeyError as exc:
        raise LoadError(f"Tissue table {path.name}: missing '{exc.args[0]}'.", files=[str(path)]) from None
    if len(set(ids)) != len(ids) or len(ids) > 250:
        raise LoadError(f"Tissue table {path.name}: tissue ids must be unique (at most 250).", files=[str(path)])
    return TissueTable(tuple(ids), tuple(names), **{f: np.asarray(cols[f], dtype=float) for f in _FIELDS},
                       estimated=est, path=str(path), **consts)


@lru_cache(maxsize=1)
def default_tissues() -> TissueTable:
    return load_tissues()
