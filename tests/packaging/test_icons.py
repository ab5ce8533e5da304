"""The application icon (drawn by packaging/make_icons.py) and the Linux desktop entry."""

from __future__ import annotations

import configparser
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR width, height


@pytest.mark.parametrize("size", SIZES)
def test_png_sizes(size):
    assert png_size((ICONS / f"spine-planner-{size}.png").read_bytes()) == (size, size)


def test_svg_is_square_and_well_formed():
    root = ET.parse(ICONS / "spine-planner.svg").getroot()
    assert root.get("viewBox") == "0 0 256 256"


def test_ico_directory_points_at_pngs():
    data = (ICONS / "spine-planner.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1) and count >= 5
    for n in range(count):
        w, h, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * n: 22 + 16 * n])
        assert png_size(data[offset:offset + length]) == (w or 256, h or 256)


def test_icns_chunks_cover_the_file():
    data = (ICONS / "spine-planner.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    pos, kinds = 8, []
    while pos < len(data):
        kind, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        png_size(data[pos + 8:pos + length])
        kinds.append(kind)
        pos += length
    assert pos == len(data) and b"ic08" in kinds


def test_desktop_entry_has_the_required_keys():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "packaging" / "linux" / "spine-planner.desktop")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "Spine Ablation Planner"
    assert entry["Exec"].split()[0] == "spine-planner" and entry["Icon"] == "spine-planner"
    assert entry["Terminal"] == "false" and entry["Categories"].endswith(";")
