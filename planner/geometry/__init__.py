"""Planes for MPR and oblique views, lines, cylinders, ellipsoids, rasterising shapes, sampling along a path."""
