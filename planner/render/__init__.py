"""VTK pipelines and actors, numpy-VTK bridge, offscreen rendering; no Qt."""
