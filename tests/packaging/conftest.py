"""Bundle tests build the whole application with PyInstaller (about 1.5-2 min and 0.8 GB on a
2-core machine), so they run only when asked: ``SPINE_PLANNER_BUILD_BUNDLE=1`` (CI sets it) or a
``-m`` expression naming ``bundle`` (``pytest -m bundle tests/packaging``)."""

from __future__ import annotations

import os

import pytest

BUNDLE_ENV = "SPINE_PLANNER_BUILD_BUNDLE"


def bundle_requested(config) -> bool:
    return os.environ.get(BUNDLE_ENV) == "1" or "bundle" in (config.getoption("markexpr", "") or "")


def pytest_collection_modifyitems(config, items):
    if bundle_requested(config):
        return
    skip = pytest.mark.skip(reason=f"builds the PyInstaller bundle (slow): set {BUNDLE_ENV}=1 or use -m bundle")
    for item in items:
        if "bundle" in item.keywords:
            item.add_marker(skip)
