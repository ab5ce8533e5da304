"""A session on the bundled sample with the demo plan (plus an L2 level with a SINS), evaluated once
and shared by the modules that leave it unchanged, and helpers that look for identifying strings in exported files."""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import Path

import numpy as np
import pytest

SAMPLE_IDENTIFIERS = (b"PHANTOM", b"SYNTHETIC SPINE", b"SYNTH-0001")
SINS_L2 = {"location": 2, "pain": 3, "lesion": 2, "alignment": 0, "collapse": 1, "posterolateral": 1}  # 9


def demo_plan_with_level(series=None):
    from planner.headless.demo import demo_plan
    from planner.plan.items import Level

    doc = demo_plan(series)
    doc.insert(Level("L2", tuple(np.asarray(doc.targets[0].centre_lps)), sins=SINS_L2))
    return doc


@pytest.fixture(scope="module")
def sample_session(sample_demo_session):
    """The sample with the demo plan and the L2 level, evaluated with the corridor checks: built once and
    shared by the modules that leave it as built (tests/conftest.py ``sample_demo_session``)."""
    return sample_demo_session


def expanded_bytes(data: bytes) -> bytes:
    """The bytes plus every FlateDecode stream inflated (also inside ASCII85, as reportlab writes
    them), so compressed PDF text is searchable."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        start = match.end()
        end = data.find(b"endstream", start)
        raw = data[start:end].strip()
        for decode in (zlib.decompress, lambda b: zlib.decompress(base64.a85decode(b.removeprefix(b"<~").removesuffix(b"~>")))):
            try:
                parts.append(decode(raw))
                break
            except (zlib.error, ValueError):
                continue
    return b"\n".join(parts)


def identifiers_in(path: Path) -> list[bytes]:
    """Which of the sample's patient name / id strings occur in a file (PDF streams inflated)."""
    blob = expanded_bytes(Path(path).read_bytes()).upper()
    return [s for s in SAMPLE_IDENTIFIERS if s in blob]


@pytest.fixture(scope="session")
def lumbar_session(lumbar_volume, lumbar_canal):
    """The real lumbar scan with the canal segmented and a hand-placed bipedicular L2 plan (shared by
    the SEG/RTSTRUCT, de-identification and report tests: segmenting the canal takes seconds)."""
    from tests.export.realplans import TCIA_L2_BODY_IJK, real_session

    return real_session(lumbar_volume, lumbar_canal, TCIA_L2_BODY_IJK, "L2")


@pytest.fixture(scope="session")
def t12_session(t11_t12_volume, t11_t12_canal):
    """The real T11-T12 scan (empty UIDs) with a hand-placed bipedicular T12 plan."""
    from tests.export.realplans import T12_BODY_IJK, real_session

    return real_session(t11_t12_volume, t11_t12_canal, T12_BODY_IJK, "T12")
