"""Textual screens: the main screen, inspect, versions, viewer, help and the dialogs package."""
