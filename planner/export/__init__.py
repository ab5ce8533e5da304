"""Exports that leave the app: 3D Slicer markups (read and write), DICOM Encapsulated PDF and
Secondary Capture in the original study, de-identification (PS3.15 basic profile). No Qt or VTK:
meshes and key images are rendered by :mod:`planner.render` and handed in."""
