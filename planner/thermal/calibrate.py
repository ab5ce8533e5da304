"""Calibrate each device's heat source against its zone table: ``python -m planner.thermal.calibrate``.

Criterion: in the homogeneous calibration medium (ex vivo soft tissue: muscle properties, no
perfusion, like the ex vivo liver behind the charts, DOMAIN.md), the predicted zone is CEM43 >= 240
min after the ablation and 3 min of cooling (heating devices), or the 0 °C isotherm (cryo, the
table's ``zone_isotherm_c``). Fitted (secant iterations on the mean residuals):

- microwave: the effective absorbed power fraction per power row (short axes) and the weight of the
  wide axial lobe per power row (long axes); the SAR centre is put at the table's mean centre offset.
- radiofrequency: the absorbed fraction per power row (short axes) and the heating length (long axes).
- cryo: the effective cold radius of the probe held at the gas temperature (short axes: it stands
  for the frozen tissue's higher conductivity, which is not modelled) and the freezing length (long
  axes); the extracted power is set high enough that the gas temperature floor holds.

Writes ``resources/thermal/sources.json`` (parameters + every entry's residuals) and prints a table
that docs/thermal-model.md quotes. Run it again after editing a device table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import numpy as np

from planner.ablation.devices import load_library
from planner.core.resources import resource_path
from planner.thermal.homogeneous import homogeneous_zone
from planner.thermal.sources import SourceParams

START = {
    "microwave": dict(efficiency=0.5, sar_sigma_mm=4.5, radial_decay_mm=2.5, tail_fraction=0.04,
                      tail_sigma_mm=12.0, max_temperature_c=100.0),
    "radiofrequency": dict(efficiency=0.9, active_length_mm=8.0, max_temperature_c=100.0),
    "cryo": dict(cooling_power_w=300.0, active_length_mm=40.0, probe_temperature_c=-150.0, radius_mm=3.0),
}


def _secant(f, x0: float, x1: float, iters: int = 4, lo: float = 1e-3, hi: float = 1e3):
    """Root of a monotone f near x0, x1; returns (x, f(x)) of the best point evaluated."""
    pts = [(x0, f(x0))]
    pts.append((x1, f(x1)))
    for _ in range(iters):
        (xa, fa), (xb, fb) = pts[-2], pts[-1]
        if abs(fb) < 0.15 or fa == fb:
            break
        x = xb - fb * (xb - xa) / (fb - fa)
        x = float(np.clip(x, max(lo, 0.5 * xb), min(hi, 2.0 * xb)))
        pts.append((x, f(x)))
    return min(pts, key=lambda p: abs(p[1]))


def _table(device):
    t = device.table
    powers = [None] if t.power_w is None else list(t.power_w)
    rows = []
    for ip, p in enumerate(powers):
        for it, s in enumerate(t.time_s):
            rows.append((p, s, t.values["long_axis_mm"][ip, it], t.values["short_axis_mm"][ip, it],
                         t.values["center_offset_mm"][ip, it]))
    return rows


def calibrate_device(device, log=print, outer: int = 2) -> tuple[SourceParams, list[dict]]:
    rows = _table(device)
    start = dict(START[device.kind])
    if device.kind == "microwave":
        start["sar_centre_mm"] = float(np.mean([r[4] for r in rows]))
    start.setdefault("radius_mm", device.diameter_mm / 2)
    params = SourceParams(device.id, device.kind, **start)
    powers = sorted({r[0] for r in rows}, key=lambda p: -1 if p is None else p)
    effs = {p: params.efficiency for p in powers}
    cache: dict = {}

    def zone(pr: SourceParams, p, t):
        key = (dataclasses.astuple(pr), p, t)
        if key not in cache:
            cache[key] = homogeneous_zone(pr, p, t)
        return cache[key]

    def with_eff(pr):
        if device.kind == "cryo":
            return pr
        return dataclasses.replace(pr, efficiency_by_power=tuple((float(p), float(e)) for p, e in effs.items()))

    tails = {p: params.tail_fraction for p in powers}

    def current(**over):
        e = {**effs, **over.get("effs", {})}
        t = {**tails, **over.get("tails", {})}
        pr = params
        if device.kind != "cryo":
            pr = dataclasses.replace(pr, efficiency_by_power=tuple((float(a), float(b)) for a, b in e.items()))
        if device.kind == "microwave":
            pr = dataclasses.replace(pr, tail_by_power=tuple((float(a), float(b)) for a, b in t.items()))
        return pr

    for loop in range(outer):
        # 1. short axes: per power row (heating) or the extraction power (cryo)
        for p in powers:
            sub = [r for r in rows if r[0] == p]
            if device.kind == "cryo":
                def f(x):
                    pr = dataclasses.replace(params, radius_mm=x)
                    return float(np.mean([zone(pr, p, r[1])[1] - r[3] for r in sub]))
                x, res = _secant(f, params.radius_mm, params.radius_mm * 1.5, iters=6, lo=0.5, hi=15.0)
                params = dataclasses.replace(params, radius_mm=x)
            else:
                def f(x):
                    pr = current(effs={p: x})
                    return float(np.mean([zone(pr, p, r[1])[1] - r[3] for r in sub]))
                x, res = _secant(f, effs[p], effs[p] * 0.8, lo=0.02, hi=1.0)
                effs[p] = x
            log(f"  loop {loop} power {p}: short-axis mean residual {res:+.2f} mm")
        params = current()
        # 2. long axes: the wide lobe per power row (microwave), or the heating / freezing length
        if device.kind == "microwave":
            for p in powers:
                sub = [r for r in rows if r[0] == p]

                def g(x):
                    pr = current(tails={p: x})
                    return float(np.mean([zone(pr, p, r[1])[0] - r[2] for r in sub]))
                x, res = _secant(g, max(tails[p], 0.005), max(tails[p], 0.005) * 1.5, lo=0.0, hi=0.5)
                tails[p] = x
                log(f"  loop {loop} power {p}: tail {x:.4f}, long-axis mean residual {res:+.2f} mm")
            params = current()
            continue
        name = "active_length_mm"

        def g(x):
            pr = dataclasses.replace(params, **{name: x})
            return float(np.mean([zone(pr, r[0], r[1])[0] - r[2] for r in rows]))
        x0 = getattr(params, name)
        x, res = _secant(g, x0, x0 * 1.3, lo=0.5, hi=80.0)
        params = dataclasses.replace(params, **{name: x})
        log(f"  loop {loop} {name} = {x:.2f}: long-axis mean residual {res:+.2f} mm")
    residuals = []
    for p, t, long_mm, short_mm, off in rows:
        lz, sz, oz = zone(params, p, t)
        residuals.append({"power_w": p, "time_s": t, "table_long_mm": long_mm, "table_short_mm": short_mm,
                          "model_long_mm": round(lz, 2), "model_short_mm": round(sz, 2),
                          "long_residual_mm": round(lz - long_mm, 2), "short_residual_mm": round(sz - short_mm, 2),
                          "table_center_offset_mm": off, "model_center_offset_mm": round(oz, 2)})
    return params, residuals


def _entry(params: SourceParams, residuals) -> dict:
    d = dataclasses.asdict(params)
    d["efficiency_by_power"] = [list(x) for x in params.efficiency_by_power]
    d["tail_by_power"] = [list(x) for x in params.tail_by_power]
    d["criterion"] = "0 C isotherm (ice-ball edge)" if params.kind == "cryo" else \
        "CEM43 >= 240 min after the ablation and 180 s of cooling"
    d["medium"] = "calibration (ex vivo soft tissue: muscle properties, no perfusion), 1 mm grid"
    d["residuals"] = residuals
    return d


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", action="append", help="calibrate only these device ids")
    ap.add_argument("--out", default=str(resource_path("thermal", "sources.json")))
    ap.add_argument("--outer", type=int, default=2, help="outer iterations (short axes, then long axes)")
    args = ap.parse_args(argv)
    lib = load_library()
    try:
        with open(args.out, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        doc = {"format": "spine-planner-thermal-sources/1", "sources": []}
    entries = {e["device_id"]: e for e in doc.get("sources", [])}
    for dev_id in args.device or sorted(lib.devices):
        dev = lib.get(dev_id)
        t0 = time.time()
        print(f"{dev.id} ({dev.kind})", flush=True)
        params, res = calibrate_device(dev, log=lambda m: print(m, flush=True), outer=args.outer)
        entries[dev.id] = _entry(params, res)
        worst = max(max(abs(r["long_residual_mm"]), abs(r["short_residual_mm"])) for r in res)
        print(f"  done in {time.time() - t0:.0f} s; worst residual {worst:.2f} mm", flush=True)
        for r in res:
            print(f"  P={r['power_w']} t={r['time_s']:g}: long {r['model_long_mm']:.1f} (table {r['table_long_mm']:g}),"
                  f" short {r['model_short_mm']:.1f} (table {r['table_short_mm']:g})", flush=True)
        doc["sources"] = [entries[k] for k in sorted(entries)]
        doc["format"] = "spine-planner-thermal-sources/1"
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
