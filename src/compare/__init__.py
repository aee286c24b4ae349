"""Cross-city comparison of municipal elderly-care plans."""

__version__ = "0.1.0"
