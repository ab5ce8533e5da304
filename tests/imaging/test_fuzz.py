"""Fuzz: bytes of valid files mutated at random must load or give a LoadError, nothing else."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.errors import LoadError
from planner.imaging import load_path, write_series
from tests.imaging.conftest import make_volume


# --- fuzz: mutate bytes of a valid small series ---

def _valid_files() -> list[bytes]:
    with tempfile.TemporaryDirectory() as d:
        paths = write_series(make_volume(shape_kji=(3, 8, 10), marker_ijk=(2, 2, 1)), Path(d))
        return [p.read_bytes() for p in paths]


VALID = _valid_files()


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom's own notes on the corrupt values
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    which=st.integers(0, len(VALID) - 1),
    edits=st.lists(st.tuples(st.integers(0, len(VALID[0]) - 1), st.integers(0, 255)), min_size=1, max_size=12),
    cut=st.one_of(st.none(), st.integers(0, len(VALID[0]))),
)
def test_fuzzed_bytes_load_or_refuse(which, edits, cut):
    with tempfile.TemporaryDirectory() as d:
        for n, data in enumerate(VALID):
            raw = bytearray(data)
            if n == which:
                for pos, value in edits:
                    if pos < len(raw):
                        raw[pos] = value
                if cut is not None:
                    raw = raw[:cut]
            Path(d, f"f{n}.dcm").write_bytes(bytes(raw))
        try:
            volume = load_path(d)
        except LoadError as err:
            assert str(err) and "Traceback" not in str(err)
        else:
            assert volume.hu.ndim == 3 and volume.hu.dtype == np.int16


def test_copy_tree_kept_intact(tmp_path):
    """Loading never modifies the user's files."""
    paths = write_series(make_volume(), tmp_path / "s")
    before = {p: p.read_bytes() for p in paths}
    shutil.copytree(tmp_path / "s", tmp_path / "copy")
    load_path(tmp_path / "s")
    assert all(p.read_bytes() == b for p, b in before.items())
