"""The collector's version, in one place (the package, /health and the container read it)."""

__version__ = "0.1.0"
