"""``resolver check``: expected routes against a rule set, for a provider's CI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from resolver.cli.common import (
    fail,
    load_models,
    load_resolver,
    models_option,
    rules_options,
)
from resolver.kit.check import ExpectationError, check, read_expectations

__all__ = ["EXIT_MISMATCH", "check_command"]

EXIT_MISMATCH = 1


@click.command("check")
@click.argument("expectations", type=click.Path(dir_okay=False, path_type=Path))
@rules_options
@models_option(
    "Hub model records to take the tags of expectations without 'tags' from."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per expectation.")
def check_command(
    expectations: Path,
    rules: tuple[Path, ...],
    lenient: bool,
    listing_provider: str | None,
    models_file: Path | None,
    as_json: bool,
) -> None:
    """Check a file of expected routes (JSON Lines or a JSON list).

    Exit 0 when every expectation holds, 1 when any differs, 2 on bad input.
    """
    resolver = load_resolver(rules, lenient, listing_provider)
    models = load_models(models_file) if models_file is not None else []
    try:
        results = check(resolver, read_expectations(expectations, models))
    except ExpectationError as error:
        fail(str(error))
    failed = [result for result in results if not result.passed]
    if as_json:
        for result in results:
            click.echo(json.dumps(result.to_json()))
    else:
        for result in failed:
            click.echo(result.report())
        click.echo(
            f"{len(results) - len(failed)} of {len(results)} expected routes hold"
        )
    sys.exit(EXIT_MISMATCH if failed else 0)
