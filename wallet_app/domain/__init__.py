"""Frozen value types and pure functions shared by every part of the core."""
