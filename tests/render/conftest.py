"""Offscreen rendering fixture for the 3D scene tests."""

from __future__ import annotations

import pytest

from tests.render.helpers import OffscreenScene


@pytest.fixture
def scene():
    s = OffscreenScene()
    yield s
    s.close()
