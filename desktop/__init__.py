"""Doorloop desk application: the client a crisis-line desk worker uses."""

__version__ = "0.1.0"
