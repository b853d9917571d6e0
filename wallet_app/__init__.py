"""Custos core: the Qt-free custody wallet engine."""

__version__ = "0.1.0"
