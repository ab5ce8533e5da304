"""Device library: shipped tables, interpolation, range errors, malformed files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from planner.ablation.devices import load_device, load_library
from planner.core.errors import LoadError, OutOfRangeError
from planner.core.resources import resource_path

MW = "generic-mw-2450-1.6"


@pytest.fixture(scope="module")
def library():
    return load_library()


def test_shipped_devices_load_without_problems(library):
    assert library.problems == ()
    kinds = {d.kind for d in library.devices.values()}
    assert kinds == {"microwave", "radiofrequency", "cryo"}
    for dev in library.devices.values():
        assert dev.source and dev.caveats
        assert dev.table.estimated.all(), "every shipped value is an estimate and must say so"


def test_generic_microwave_matches_chen_2022(library):
    """Chen et al. AJNR 2022: 2450 MHz, 1.6 mm, 20-40 W, 2-5 min, about 3 cm zone at 40 W."""
    mw = library.get(MW)
    assert mw.frequency_mhz == 2450 and mw.diameter_mm == pytest.approx(1.6)
    assert mw.power_range_w == (20, 40) and mw.time_range_s == (120, 300)
    dims = [mw.zone_dimensions(40, t).short_axis_mm for t in (120, 180, 240, 300)]
    assert all(24 <= d <= 32 for d in dims)
    assert mw.zone_dimensions(40, 240).short_axis_mm == pytest.approx(30.0)
    assert "Chen" in mw.source and "Ruiter" in mw.caveats


def test_bilinear_interpolation_is_exact_on_the_table_and_between(library):
    mw = library.get(MW)
    t = mw.table
    for ip, p in enumerate(t.power_w):
        for it, s in enumerate(t.time_s):
            assert mw.zone_dimensions(p, s).long_axis_mm == pytest.approx(t.values["long_axis_mm"][ip, it])
    # centre of a cell: mean of its four corners; a point on an edge: linear in one variable
    corners = t.values["short_axis_mm"][0:2, 1:3]
    mid = mw.zone_dimensions(25, 210).short_axis_mm
    assert mid == pytest.approx(corners.mean())
    f = 0.3
    edge = mw.zone_dimensions(20 + 10 * f, 180).short_axis_mm
    assert edge == pytest.approx((1 - f) * corners[0, 0] + f * corners[1, 0])


@pytest.mark.parametrize("power,time,needle", [(50, 200, "power 50 W is outside 20-40 W"),
                                               (10, 200, "power 10 W is outside 20-40 W"),
                                               (30, 400, "time 400 s is outside 120-300 s"),
                                               (30, 60, "time 60 s is outside 120-300 s")])
def test_out_of_range_names_the_valid_range(library, power, time, needle):
    mw = library.get(MW)
    with pytest.raises(OutOfRangeError) as err:
        mw.zone_dimensions(power, time)
    assert needle in str(err.value) and mw.name in str(err.value)


def test_cryo_isotherms_nest_and_power_is_not_a_parameter(library):
    cryo = next(d for d in library.devices.values() if d.kind == "cryo")
    assert cryo.power_range_w is None
    assert set(cryo.isotherms_c) >= {-40.0, -20.0, 0.0}
    z0 = cryo.zone_dimensions(None, 450)
    z20 = cryo.zone_dimensions(None, 450, isotherm_c=-20)
    z40 = cryo.zone_dimensions(None, 450, isotherm_c=-40)
    assert z0.short_axis_mm > z20.short_axis_mm > z40.short_axis_mm
    assert z0 == cryo.zone_dimensions(None, 450, isotherm_c=0)
    with pytest.raises(OutOfRangeError, match="no -10 °C isotherm"):
        cryo.zone_dimensions(None, 450, isotherm_c=-10)


def _write(folder, name, doc):
    path = folder / name
    path.write_text(json.dumps(doc) if isinstance(doc, dict) else doc, encoding="utf-8")
    return path


def _mw_doc():
    return json.loads(resource_path("devices", f"{MW}.json").read_text(encoding="utf-8"))


def test_malformed_files_are_rejected_with_file_and_field_and_others_still_load(tmp_path):
    missing = _mw_doc(); missing["id"] = "no-source"; del missing["source"]
    negative = _mw_doc(); negative["id"] = "negative"; negative["zone_table"]["entries"][3]["short_axis_mm"] = -2
    unordered = _mw_doc(); unordered["id"] = "unordered"; unordered["zone_table"]["time_s"] = [120, 240, 180, 300]
    hole = _mw_doc(); hole["id"] = "hole"; del hole["zone_table"]["entries"][5]
    good = _mw_doc(); good["id"] = "my-antenna"; good["name"] = "My antenna"
    _write(tmp_path, "a_missing.json", missing)
    _write(tmp_path, "b_negative.json", negative)
    _write(tmp_path, "c_unordered.json", unordered)
    _write(tmp_path, "d_hole.json", hole)
    _write(tmp_path, "e_broken.json", "{ not json")
    _write(tmp_path, "f_good.json", good)
    lib = load_library(user_dir=tmp_path)
    assert "my-antenna" in lib.devices and MW in lib.devices
    text = "\n".join(lib.problems)
    assert len(lib.problems) == 5, text
    assert "a_missing.json" in text and "'source'" in text
    assert "b_negative.json" in text and "zone_table.entries.3.short_axis_mm" in text
    assert "c_unordered.json" in text and "zone_table.time_s" in text and "increasing" in text
    assert "d_hole.json" in text and "does not cover every" in text
    assert "e_broken.json" in text and "not valid JSON" in text


def test_user_device_overrides_builtin_and_says_so(tmp_path):
    doc = _mw_doc()
    doc["zone_table"]["entries"][0]["long_axis_mm"] = 99
    _write(tmp_path, "mine.json", doc)
    lib = load_library(user_dir=tmp_path)
    assert lib.get(MW).zone_dimensions(20, 120).long_axis_mm == 99
    assert any("replaces device" in p for p in lib.problems)


def test_load_device_raises_load_error_with_the_file(tmp_path):
    doc = _mw_doc(); doc["kind"] = "laser"
    path = _write(tmp_path, "laser.json", doc)
    with pytest.raises(LoadError) as err:
        load_device(path)
    assert "laser.json" in str(err.value) and "'kind'" in str(err.value)
    assert err.value.files == (str(path),)


def test_unknown_device_id_is_a_clear_error(library):
    with pytest.raises(LoadError, match="No ablation device 'nope'"):
        library.get("nope")


def test_builtin_folder_copy_loads_identically(tmp_path):
    for p in resource_path("devices").glob("*.json"):
        shutil.copy(p, tmp_path / p.name)
    lib = load_library(builtin_dir=tmp_path)
    assert sorted(lib.devices) == sorted(load_library().devices)
    assert np.allclose(lib.get(MW).table.values["long_axis_mm"], load_library().get(MW).table.values["long_axis_mm"])
