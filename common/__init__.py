"""Shared toolkit of the tutorial scripts: data, encodings, models, training, reporting, CLI."""
