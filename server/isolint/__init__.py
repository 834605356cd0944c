"""isolint: keeps the boundaries of a multi-service codebase intact."""

__version__ = "0.1.0"
