"""The ``resolver`` command line.

Each sub-command lives in a module of its own in this package; this module
only assembles them. The library never prints: everything a user reads is
written here, and every library error is turned into one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import io
import sys

import click

from resolver.cli.check import check_command
from resolver.cli.coverage import coverage_command
from resolver.cli.lint import lint_command
from resolver.cli.route import route_command, routes_command

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hub-provider-resolver")
def cli() -> None:
    """Route Hugging Face Hub models to inference providers."""


cli.add_command(route_command)
cli.add_command(routes_command)
cli.add_command(lint_command)
cli.add_command(coverage_command)
cli.add_command(check_command)


def main() -> None:
    # Names from a rules file are printed as they are; a terminal or pipe
    # that cannot encode one gets an escape, not a traceback.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    cli()
