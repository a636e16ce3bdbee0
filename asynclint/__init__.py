"""asynclint: find async/await mistakes from the source alone."""

__version__ = "0.1.0"
