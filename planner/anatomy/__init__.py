"""Spinal canal segmentation, vertebral levels, lesion helpers."""
