"""BoleKG: Bole City's 2021 mid-year report on practical matters for the people as linked data."""

__version__ = "0.1.0"
