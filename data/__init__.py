"""Vocabularies, rule files and seed lists, read with importlib.resources as ``cellvigil.data``."""
