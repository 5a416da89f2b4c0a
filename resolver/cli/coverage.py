"""``resolver coverage``: what each mapping captures from a file of Hub models."""

from __future__ import annotations

import json
from pathlib import Path

import click

from resolver.cli.common import load_models, load_resolver, models_option, rules_options
from resolver.kit.coverage import Coverage, MappingCoverage, coverage
from resolver.route import Route

__all__ = ["coverage_command"]


@click.command("coverage")
@rules_options
@models_option(
    "JSON or JSON Lines file of Hub model records. Default: the shipped example."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def coverage_command(
    rules: tuple[Path, ...],
    lenient: bool,
    listing_provider: str | None,
    models_file: Path | None,
    as_json: bool,
) -> None:
    """Count what each mapping captures, the LoRAs nothing captures, and what
    staging changes.

    A mapping captures a model when it is the model's route for a caller who
    asks for the mapping's provider, belongs to its organisation (so staging
    counts) and asks for no task.
    """
    resolver = load_resolver(rules, lenient, listing_provider)
    models = load_models(models_file)
    report = coverage(resolver, models)
    if as_json:
        click.echo(json.dumps(report.to_json()))
    else:
        _print(report)


def _line(item: MappingCoverage) -> str:
    counts = f"captures {item.captured:>4}, matches {item.matched:>4}"
    return f"  {counts}  {item.mapping.describe()}  [{item.mapping.location}]"


def _target(route: Route | None) -> str:
    if route is None:
        return "no route"
    return f"{route.provider_model} ({route.kind}, {route.task}, {route.status})"


def _print(report: Coverage) -> None:
    filters = [item for item in report.mappings if item.mapping.is_tag_filter]
    singles = [item for item in report.mappings if not item.mapping.is_tag_filter]
    capturing = [item for item in singles if item.captured]
    click.echo(
        f"{report.models} models ({report.lora_models} LoRA-tagged), "
        f"{len(report.mappings)} mappings"
    )

    click.echo(f"\ntag filters: {len(filters)}")
    for item in filters:
        click.echo(_line(item))
        if item.examples:
            click.echo(f"      e.g. {', '.join(item.examples)}")
    click.echo(f"\nsingle-model mappings that capture a model: {len(capturing)}")
    for item in capturing:
        click.echo(_line(item))
    idle = len(singles) - len(capturing)
    click.echo(
        f"  {idle} other single-model mappings capture no model of this file "
        "(--json lists every mapping)"
    )

    missed = report.uncaptured_lora
    total = report.lora_models
    click.echo(f"\nLoRA-tagged models no mapping captures: {len(missed)} of {total}")
    for miss in missed:
        click.echo(f"  {miss.model.id}")
        if miss.nearest is None:
            click.echo("      nearest: none, no mapping names it or shares a tag")
        else:
            nearest = miss.nearest
            click.echo(f"      nearest: {nearest.mapping.describe()}")
            click.echo(f"      {nearest.reason}: {nearest.detail}")

    click.echo(
        "\nrouted differently for the provider's organisation than for everyone "
        f"(staging): {len(report.staging)}"
    )
    for difference in report.staging:
        click.echo(f"  {difference.provider} {difference.model.id}")
        click.echo(f"      organisation: {_target(difference.member)}")
        click.echo(f"      everyone:     {_target(difference.public)}")
