"""Pavilion: an open platform for hybrid industrial forums."""

__version__ = "0.1.0"
