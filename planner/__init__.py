"""Spine ablation planner: plan percutaneous thermal ablation of vertebral metastases on CT.

Layers (see ``docs/architecture.md``): ``core`` < ``imaging`` / ``geometry`` < ``anatomy`` / ``ablation``
< ``analysis`` < ``plan`` < ``session`` < ``render`` < ``ui``. Only ``render`` and ``ui`` may import VTK
or Qt.
"""

__version__ = "0.1.0"
