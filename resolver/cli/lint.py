"""``resolver lint``: problems in a rule set, one line each."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from resolver.cli.common import fail, load_models, models_option
from resolver.kit.lint import UnreadableRulesError, lint_files

__all__ = ["EXIT_FINDINGS", "lint_command"]

EXIT_FINDINGS = 1


@click.command("lint")
@click.argument(
    "rules", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@models_option("Hub model records: widen the tag vocabulary, find redundant mappings.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def lint_command(
    rules: tuple[Path, ...], models_file: Path | None, as_json: bool
) -> None:
    """Find problems in rules files.

    Exit 1 when any finding is an error, 0 with warnings only, 2 when a file
    cannot be read.
    """
    models = load_models(models_file) if models_file is not None else []
    try:
        findings = lint_files(rules, models)
    except UnreadableRulesError as error:
        fail(str(error))

    errors = sum(1 for finding in findings if finding.severity == "error")
    warnings = len(findings) - errors
    if as_json:
        document = {
            "errors": errors,
            "warnings": warnings,
            "findings": [finding.to_json() for finding in findings],
        }
        click.echo(json.dumps(document))
    else:
        for finding in findings:
            click.echo(str(finding))
        click.echo(f"{errors} errors, {warnings} warnings")
    sys.exit(EXIT_FINDINGS if errors else 0)
