"""Overlap, distances, coverage, corridor and breach checks, safety findings."""
