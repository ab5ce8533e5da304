"""Deterministic synthetic lumbar spine CT with ground truth (the bundled sample case).

``build_phantom(PhantomConfig())`` returns the CT as an :class:`~planner.core.volume.ImageVolume`
with its label map; ``write_sample_case`` writes the DICOM series, label map and landmarks;
``python -m planner.phantom --out sample_dicom`` regenerates the committed sample.
"""

from planner.phantom.config import PhantomConfig
from planner.phantom.generate import PhantomResult, build_phantom
from planner.phantom.ground_truth import write_sample_case
from planner.phantom.landmarks import build_landmarks

__all__ = ["PhantomConfig", "PhantomResult", "build_phantom", "build_landmarks", "write_sample_case"]
