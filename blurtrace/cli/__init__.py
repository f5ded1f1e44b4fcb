"""The ``blurtrace`` command line: ``main`` parses and calls the library (``pipeline``) over many
inputs (``jobs``); ``app`` is the typer application."""
from .commands import app, main

__all__ = ["app", "main"]
