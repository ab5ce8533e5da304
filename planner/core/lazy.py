"""Modules imported on first use, so that opening the window does not pay for them.

``ndimage = lazy_module("scipy.ndimage")`` at the top of a file replaces ``from scipy import ndimage``:
the name is bound at once, but SciPy is imported only when the code first reads an attribute of it
(``ndimage.label(...)``), typically in a worker thread after the window is up. Issue 19 sets the start-up
target (from the command to a usable window on the sample <= 2.5 s); ``benchmarks/bench_startup.py``
measures it and ``tests/test_startup_imports.py`` checks which libraries the window imports.

The real import goes through ``importlib.import_module``, which holds the import system's per-module
lock, so two threads touching the stand-in at once import the module once. Unlike
``importlib.util.LazyLoader`` nothing is put into ``sys.modules`` before the real import, so code that
imports the module the ordinary way always gets the real one.
"""

from __future__ import annotations

import importlib
import types


class LazyModule(types.ModuleType):
    """Stands for the module ``name``; imports it on the first attribute read and forwards to it."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lazy_target"] = None

    def _lazy_load(self) -> types.ModuleType:
        module = self.__dict__["_lazy_target"]
        if module is None:
            module = importlib.import_module(self.__name__)
            self.__dict__["_lazy_target"] = module
        return module

    def __getattr__(self, attr: str):  # called only for names not set on the stand-in itself
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # copy, pickle, inspect probing dunders: do not import for them
        return getattr(self._lazy_load(), attr)

    def __dir__(self):
        return dir(self._lazy_load())

    def __repr__(self) -> str:
        state = "imported" if self.__dict__["_lazy_target"] is not None else "not imported yet"
        return f"<lazy module {self.__name__!r} ({state})>"


def lazy_module(name: str) -> types.ModuleType:
    """A stand-in for the module ``name`` that imports it when first used (see the module docstring)."""
    return LazyModule(name)
