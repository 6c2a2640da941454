"""Winnow's domain layer: Qt-free services over the store in ``db``."""

__version__ = "0.1.0"
