"""Figures of the impact pages and the reach dashboard."""
