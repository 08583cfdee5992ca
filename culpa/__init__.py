"""culpa: an offline workbench for leaked documents."""

__version__ = "0.1.0"
