"""CellVigil NLP stage: turns one document (title + text) into the registry's structured facts."""
