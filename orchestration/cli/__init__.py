"""`dean5299`: the command line, one module per command group.

common.py holds the Typer app and what every command shares; each *_command.py module
registers its command on the app when imported here."""

import sys

import typer

from orchestration.cli import (  # noqa: F401 - imported for their commands
    close_command,
    receipts_command,
    run_command,
    status_command,
    templates_command,
)
from orchestration.cli.common import UserError, app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except UserError as error:  # pragma: no cover - commands turn these into exits
        typer.echo(f"Lỗi / error: {error}", err=True)
        sys.exit(2)
