"""Whole-target planning: ISRC clinical target volume, coverage, reachability and proposed access.

Sits above ``planner.analysis`` (it uses the corridor check and the zone/canal analysis) and below
``planner.plan``; it never imports Qt or VTK.
"""
