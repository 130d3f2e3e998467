"""CellVigil: safety surveillance of mesenchymal stromal cell therapies."""

__version__ = "0.1.0"
