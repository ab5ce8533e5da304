"""Compiled kernels made on first use: numba's ``njit`` of a module's plain-Python loops, compiled (or
loaded from numba's on-disk cache, ``cache=True``) the first time one is asked for, once even when two
threads ask at once (the vertebra search warms its kernels up in a second thread). ``nogil=True``:
the kernels are called from worker threads while the GUI thread runs. numba is a declared dependency;
without it each kernel is None (its module then uses its numpy path) or, when asked, the Python
function itself."""

from __future__ import annotations

import threading


class LazyKernels:
    """``njit`` of ``py_funcs``, made on the first :meth:`get`; ``python_fallback``: without numba,
    :meth:`get` gives the Python function instead of None."""

    def __init__(self, *py_funcs, python_fallback: bool = False):
        self._py_funcs = py_funcs
        self._python_fallback = python_fallback
        self._made: list = []
        self._lock = threading.Lock()

    def get(self, which: int = 0):
        if not self._made:
            with self._lock:
                if not self._made:
                    try:
                        from numba import njit
                    except ImportError:  # pragma: no cover - numba is a declared dependency
                        self._made.extend(f if self._python_fallback else None for f in self._py_funcs)
                    else:
                        self._made.extend(njit(cache=True, nogil=True)(f) for f in self._py_funcs)
        return self._made[which]
