"""What the sub-commands share: options, loading, and failing the same way."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from resolver.errors import MappingError, ResolverError
from resolver.model import Model
from resolver.models_file import read_models
from resolver.resolver import Resolver

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_NO_ROUTE",
    "caller_options",
    "check_provider",
    "example_path",
    "fail",
    "load_models",
    "load_resolver",
    "models_option",
    "rules_options",
]

EXIT_NO_ROUTE = 1
EXIT_BAD_INPUT = 2

_F = TypeVar("_F", bound=Callable[..., Any])


def example_path(name: str) -> Path:
    """A file of the example rule set shipped inside the package."""
    return Path(str(resources.files("resolver") / "examples" / name))


def fail(message: str) -> NoReturn:
    """Print a bad-input error the way every command does, and exit 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def rules_options(function: _F) -> _F:
    """``--rules``, ``--lenient`` and ``--listing-provider``, shared by every
    command that loads rules."""
    function = click.option(
        "--listing-provider",
        metavar="NAME",
        help="The provider of rules files that are a raw partner listing "
        "(GET /api/partners/NAME/models), which does not name its provider.",
    )(function)
    function = click.option(
        "--lenient",
        is_flag=True,
        help="Skip bad mapping entries (each reported on stderr) instead of failing.",
    )(function)
    return click.option(
        "--rules",
        "rules",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Rules file (JSON or JSON Lines); repeatable. "
        "Default: the shipped example.",
    )(function)


def models_option(help_text: str) -> Callable[[_F], _F]:
    """``--models FILE``: Hub model records, each command saying what for."""
    return click.option(
        "--models",
        "models_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


def caller_options(function: _F) -> _F:
    """The options that describe the caller and the request."""
    for option in reversed(
        [
            click.option(
                "--task", help="Ask for this task instead of the pipeline tag."
            ),
            click.option("--provider", help="Only consider this provider."),
            click.option(
                "--prefer",
                multiple=True,
                metavar="NAME",
                help="Provider preference, most preferred first; repeatable.",
            ),
            click.option(
                "--org",
                "orgs",
                multiple=True,
                metavar="ORG",
                help="Hub organisation the caller belongs to; repeatable.",
            ),
        ]
    ):
        function = option(function)
    return function


def load_resolver(
    rules: Sequence[Path], lenient: bool, listing_provider: str | None = None
) -> Resolver:
    """Load the rules (or the shipped example), or exit 2 with the problems."""
    paths = list(rules) or [example_path("rules.json")]
    try:
        resolver = Resolver.from_files(
            paths, lenient=lenient, listing_provider=listing_provider
        )
    except MappingError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    for problem in resolver.problems:
        click.echo(f"warning: skipped {problem}", err=True)
    return resolver


def check_provider(resolver: Resolver, provider: str | None) -> None:
    """Exit 2 for a --provider that nothing knows: a typo, not a miss."""
    known = {
        m.provider for m in resolver.mappings
    } | resolver.provider_orgs.as_dict().keys()
    if provider is not None and provider not in known:
        fail(
            f"unknown provider {provider!r}: "
            "no mapping and no organisation table names it"
        )


def load_models(path: Path | None) -> list[Model]:
    try:
        return read_models(path if path is not None else example_path("models.jsonl"))
    except ResolverError as error:
        fail(str(error))
