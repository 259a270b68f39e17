"""Textual widgets, one per file, and a pane's row model and listing beside it."""
