"""``resolver route`` (one model) and ``resolver routes`` (a batch of models)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from resolver._schemas import check_repo_id
from resolver.cli.common import (
    EXIT_NO_ROUTE,
    caller_options,
    check_provider,
    fail,
    load_models,
    load_resolver,
    models_option,
    rules_options,
)
from resolver.cli.hub import hub_lookup
from resolver.explain import Explanation
from resolver.lora import looks_like_lora
from resolver.model import Caller, Model
from resolver.rules import is_visible

__all__ = ["route_command", "routes_command"]

# Show a progress bar for batches at least this long, on a terminal only.
PROGRESS_THRESHOLD = 500
# How many passed-over candidates the text form of --explain lists.
EXPLAIN_LIMIT = 20


def _explanation_json(explanation: Explanation) -> list[dict[str, Any]]:
    return [candidate.to_json() for candidate in explanation.candidates]


def _no_route_json(explanation: Explanation) -> dict[str, Any]:
    return {
        "error": "no-route",
        "model": explanation.model.id,
        "message": explanation.summary(),
        "candidates": _explanation_json(explanation),
    }


def _print_explanation(explanation: Explanation) -> None:
    shown = explanation.candidates[:EXPLAIN_LIMIT]
    for candidate in shown:
        click.echo(f"  {candidate.reason:<14} {candidate.mapping.describe()}")
        click.echo(f"  {'':<14} {candidate.detail}")
    hidden = len(explanation.candidates) - len(shown)
    if hidden:
        click.echo(f"  ... and {hidden} more candidates (use --json for all)")


@click.command("route")
@click.argument("model_id")
@rules_options
@models_option(
    "JSON or JSON Lines file of Hub model records to take MODEL_ID's tags from."
)
@click.option("--tag", "tags", multiple=True, help="A tag of the model; repeatable.")
@click.option("--pipeline-tag", help="The model's pipeline tag.")
@caller_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--explain", is_flag=True, help="Show every candidate and why.")
@click.option(
    "--hub",
    is_flag=True,
    help="Fetch the model and its mappings from the Hub (HF_ENDPOINT), plus the "
    "partner listings of the --provider and --prefer providers.",
)
@click.option("--token", help="Hub token for --hub (default: the saved token).")
@click.option("--offline", is_flag=True, help="With --hub: use only what is cached.")
@click.option(
    "--staging",
    is_flag=True,
    help="With --hub: also fetch the staging partner listings, which the Hub "
    "gives to members of the provider's organisation only.",
)
def route_command(
    model_id: str,
    rules: tuple[Path, ...],
    lenient: bool,
    listing_provider: str | None,
    models_file: Path | None,
    tags: tuple[str, ...],
    pipeline_tag: str | None,
    task: str | None,
    provider: str | None,
    prefer: tuple[str, ...],
    orgs: tuple[str, ...],
    as_json: bool,
    explain: bool,
    hub: bool,
    token: str | None,
    offline: bool,
    staging: bool,
) -> None:
    """Route one model. Exit 0 with a route, 1 with none, 2 on bad input."""
    try:
        check_repo_id(model_id)
    except ValueError as error:
        fail(f"MODEL_ID: {error}")
    lookup = None
    if hub:
        if rules or models_file or tags or pipeline_tag is not None or orgs:
            # The organisations too: with the Hub, staging visibility comes
            # from the token's whoami, not from what the command line claims.
            fail(
                "--hub takes the rules, the model and the caller's organisations "
                "from the Hub: drop --rules, --models, --tag, --pipeline-tag "
                "and --org"
            )
        lookup = hub_lookup(
            model_id,
            provider=provider,
            prefer=prefer,
            token=token,
            offline=offline,
            staging=staging,
        )
        resolver, model, caller = lookup.resolver, lookup.model, lookup.caller
        for problem in resolver.problems:
            click.echo(f"warning: skipped {problem}", err=True)
    else:
        resolver = load_resolver(rules, lenient, listing_provider)
        check_provider(resolver, provider)
        model = _model_for(
            model_id, models_file, tags, pipeline_tag, use_example=not rules
        )
        caller = Caller(orgs=orgs, providers=prefer)

    explanation = resolver.explain(model, caller=caller, task=task, provider=provider)
    route = explanation.route
    weights = lookup.weights(route, as_json) if lookup is not None else None
    if as_json:
        if route is None:
            click.echo(json.dumps(_no_route_json(explanation)))
        else:
            document = route.to_json()
            if weights is not None:
                document.update(weights.to_json())
            if explain:
                document["candidates"] = _explanation_json(explanation)
            click.echo(json.dumps(document))
    elif route is None:
        click.echo(explanation.summary())
    else:
        path = weights.path if weights is not None else route.adapter_weights_path
        lora = f", LoRA {path or ''}".rstrip() if route.is_lora else ""
        click.echo(
            f"{model.id} -> {route.provider} {route.provider_model} "
            f"({route.kind}, {route.task}, {route.status}, {route.visibility}{lora})"
        )
    if explain and not as_json:
        _print_explanation(explanation)
    sys.exit(0 if route is not None else EXIT_NO_ROUTE)


def _model_for(
    model_id: str,
    models_file: Path | None,
    tags: tuple[str, ...],
    pipeline_tag: str | None,
    use_example: bool,
) -> Model:
    record: Model | None = None
    if models_file is not None or (use_example and not tags):
        models = load_models(models_file)
        by_id = {model.id: model for model in models}
        folded = {model.folded_id: model for model in models}
        record = by_id.get(model_id) or folded.get(model_id.casefold())
        if record is None and models_file is not None:
            fail(f"{models_file}: no model record with id {model_id!r}")
    if record is None:
        return Model(model_id, tags, pipeline_tag)
    return Model(
        record.id,
        tags or record.tags,
        pipeline_tag if pipeline_tag is not None else record.pipeline_tag,
        record.siblings,
    )


@dataclass
class _Summary:
    models: int = 0
    routed: int = 0
    by_provider: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    lora_unrouted: list[str] = field(default_factory=list)
    hidden_only: int = 0

    def to_json(self, hidden_mappings: int, total_mappings: int) -> dict[str, Any]:
        return {
            "models": self.models,
            "routed": self.routed,
            "unrouted": self.models - self.routed,
            "byProvider": dict(sorted(self.by_provider.items())),
            "byKind": dict(sorted(self.by_kind.items())),
            "loraUnrouted": self.lora_unrouted,
            "modelsWithOnlyHiddenMatches": self.hidden_only,
            "mappingsHidden": hidden_mappings,
            "mappings": total_mappings,
        }


@click.command("routes")
@rules_options
@models_option(
    "JSON or JSON Lines file of Hub model records. Default: the shipped example."
)
@caller_options
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON line per model, then a summary."
)
def routes_command(
    rules: tuple[Path, ...],
    lenient: bool,
    listing_provider: str | None,
    models_file: Path | None,
    task: str | None,
    provider: str | None,
    prefer: tuple[str, ...],
    orgs: tuple[str, ...],
    as_json: bool,
) -> None:
    """Route every model of a file and summarise the result."""
    resolver = load_resolver(rules, lenient, listing_provider)
    check_provider(resolver, provider)
    models = load_models(models_file)
    caller = Caller(orgs=orgs, providers=prefer)

    summary = _Summary()
    for model in _progress(models):
        summary.models += 1
        route = resolver.find(model, caller=caller, task=task, provider=provider)
        if route is not None:
            summary.routed += 1
            summary.by_provider[route.provider] += 1
            summary.by_kind[route.kind] += 1
            line = {"id": model.id, "route": route.to_json()}
            text = (
                f"{model.id} -> {route.provider} {route.provider_model} ({route.kind})"
            )
        else:
            explanation = resolver.explain(
                model, caller=caller, task=task, provider=provider
            )
            if any(c.reason == "hidden" for c in explanation.candidates):
                summary.hidden_only += 1
            if looks_like_lora(model):
                summary.lora_unrouted.append(model.id)
            line = {"id": model.id, **_no_route_json(explanation)}
            text = f"{model.id}: no route"
        click.echo(json.dumps(line) if as_json else text)

    hidden = sum(1 for r in resolver.routes if not is_visible(r, caller))
    totals = summary.to_json(hidden, len(resolver))
    if as_json:
        click.echo(json.dumps({"summary": totals}))
    else:
        _print_summary(totals)


def _progress(models: list[Model]) -> Iterable[Model]:
    if len(models) < PROGRESS_THRESHOLD or not sys.stderr.isatty():
        yield from models
        return
    with click.progressbar(models, label="routing", file=sys.stderr) as bar:
        yield from bar


def _print_summary(totals: dict[str, Any]) -> None:
    click.echo("")
    click.echo(f"models routed: {totals['routed']} of {totals['models']}")
    for title, key in (("by provider", "byProvider"), ("by kind", "byKind")):
        counts = ", ".join(f"{name} {count}" for name, count in totals[key].items())
        click.echo(f"  {title}: {counts or 'none'}")
    lora = totals["loraUnrouted"]
    click.echo(f"LoRA-tagged models without a route: {len(lora)}")
    for model_id in lora:
        click.echo(f"  {model_id}")
    click.echo(
        f"models whose only matches are hidden from this caller: "
        f"{totals['modelsWithOnlyHiddenMatches']}"
    )
    click.echo(
        f"mappings hidden from this caller: {totals['mappingsHidden']} "
        f"of {totals['mappings']}"
    )
