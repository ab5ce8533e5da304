"""PySide6 windows, views, panels, dialogs and workers; thin."""
