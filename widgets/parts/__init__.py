"""Shared parts of the widgets: tables, quiet text, styles, messages."""
