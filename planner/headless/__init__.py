"""Headless commands for scripts and QA: ``python -m planner analyze|export|scenario ...``."""
