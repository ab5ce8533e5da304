"""PlanningSession: volume + plan + derived results; decides what to recompute."""
