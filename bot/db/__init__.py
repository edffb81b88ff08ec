"""Persistence: typed models, the engine and data-access functions."""
