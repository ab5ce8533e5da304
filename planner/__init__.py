"""Spine ablation planner: plan percutaneous thermal ablation of vertebral metastases on CT.

Layers (see ``docs/architecture.md``): ``core`` < ``imaging`` / ``geometry`` < ``anatomy`` / ``ablation``
< ``analysis`` < ``plan`` < ``session`` < ``render`` < ``ui``. Only ``render`` and ``ui`` may import VTK
or Qt.

One OpenBLAS thread unless the user chose otherwise (issue 13, the cold ``analyze``): the planner's
BLAS calls are small products (``(n, 3) @ (3, 3)`` coordinate transforms) whose idle OpenBLAS
workers then spin for about 2**28 clock cycles each time (OpenBLAS issues #731 and #5171), taking a
core from the planner's own worker threads on a 2-core machine: the cold ``analyze`` of the shared
lumbar scan used 30 % more CPU. Read by OpenBLAS when numpy is first imported, so it is set here,
before any planner module imports numpy; the results are the same bit for bit (each product's
elements are computed whole by one thread either way).
"""

import os as _os

_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
