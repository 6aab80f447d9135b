"""`dean5299`: the command line, one module per command group (common.py holds the app).

`main` (the console script) imports the command modules, which register on the app."""

from orchestration.cli.common import app, main

__all__ = ["app", "main"]
