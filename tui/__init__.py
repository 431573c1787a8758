"""Sisyphus control room: the headless core (never imports Textual)."""

__version__ = "0.2.0"
