"""Units, coordinate frames, errors and small shared types (numpy only)."""
