"""The exceptions the resolver raises.

Every error a caller can see is a :class:`ResolverError`. Each one also
subclasses the builtin that fits it, so code that does not know this library
can still catch a refused mapping as a :class:`ValueError` and a missing route
as a :class:`LookupError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resolver.explain import Candidate
    from resolver.model import Model

__all__ = [
    "AmbiguousWeightsError",
    "HubRequestError",
    "HubUnavailableError",
    "InvalidArgumentError",
    "MappingError",
    "MappingProblem",
    "ModelFileError",
    "NoRouteError",
    "ResolverError",
    "UnknownProviderError",
    "describe_location",
]


def describe_location(source: str, entry: int | None, line: int | None) -> str:
    """Where an entry stands: ``file: line N``, ``file: entry N`` or ``file``."""
    if line is not None:
        return f"{source}: line {line}"
    if entry is not None:
        return f"{source}: entry {entry}"
    return source


class ResolverError(Exception):
    """Base class of every error raised by this library."""


class InvalidArgumentError(ResolverError, TypeError, ValueError):
    """A value of the wrong type or form was handed to the library from code,
    such as a bare string where a collection of tags belongs, or a model id
    that no Hub repository can have."""


@dataclass(frozen=True, slots=True)
class MappingProblem:
    """One reason a mapping entry was refused.

    ``source`` names where the entry came from (a file path, or a label given
    by the caller), ``entry`` is its 0-based position among that source's
    entries (``None`` when the problem is with the source as a whole),
    ``line`` its 1-based line in the file where known, and ``field`` the
    dotted path of the offending field inside the entry (``""`` for the entry
    as a whole).
    """

    source: str
    entry: int | None
    field: str
    message: str
    line: int | None = None

    @property
    def location(self) -> str:
        return describe_location(self.source, self.entry, self.line)

    def __str__(self) -> str:
        field = f": field {self.field!r}" if self.field else ""
        return f"{self.location}{field}: {self.message}"


class MappingError(ResolverError, ValueError):
    """One or more mapping entries cannot be right; nothing was loaded."""

    def __init__(self, problems: Sequence[MappingProblem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "no problems given"
        more = len(self.problems) - 1
        suffix = f" (and {more} more)" if more else ""
        super().__init__(first + suffix)


class ModelFileError(ResolverError, ValueError):
    """A file of model records cannot be read."""

    def __init__(
        self,
        source: str,
        position: int | None,
        field: str,
        message: str,
        is_line: bool = True,
    ) -> None:
        self.source = source
        self.position = position
        self.field = field
        line, entry = (position, None) if is_line else (None, position)
        where = describe_location(source, entry, line)
        shown = f": field {field!r}" if field else ""
        super().__init__(f"{where}{shown}: {message}")


class NoRouteError(ResolverError, LookupError):
    """No visible mapping routes this model for this caller.

    ``candidates`` lists every mapping that came close, each with the reason it
    was passed over, in the order :meth:`resolver.Resolver.explain` gives.
    """

    def __init__(
        self, model: Model, candidates: Sequence[Candidate], message: str
    ) -> None:
        self.model = model
        self.candidates = tuple(candidates)
        super().__init__(message)


class UnknownProviderError(ResolverError, LookupError):
    """A provider the resolver has no mapping source for was asked for."""

    def __init__(self, provider: str, known: Sequence[str]) -> None:
        self.provider = provider
        self.known = tuple(known)
        listed = ", ".join(sorted(self.known)) or "none"
        super().__init__(f"unknown provider {provider!r} (known: {listed})")


class AmbiguousWeightsError(ResolverError, LookupError):
    """A LoRA route cannot tell which weights file the provider must load."""

    def __init__(
        self, model_id: str, candidates: Sequence[str], *, files_known: bool = True
    ) -> None:
        self.model_id = model_id
        self.candidates = tuple(candidates)
        self.files_known = files_known
        if not files_known:
            detail = "the repository's files are not known"
        elif self.candidates:
            files = ", ".join(repr(name) for name in self.candidates)
            detail = f"several candidate weights files: {files}"
        else:
            detail = "no top-level .safetensors file"
        super().__init__(
            f"cannot pick the LoRA weights of {model_id!r}: {detail}, and the "
            "Hub gave no adapterWeightsPath"
        )


class HubUnavailableError(ResolverError, ConnectionError):
    """The Hub could not give a usable answer right now.

    ``reason`` is one of ``"timeout"``, ``"connection"``, ``"server-error"``
    (a 5xx or 429 status), ``"malformed"`` (a body that is not the expected
    JSON) or ``"offline"`` (``HF_HUB_OFFLINE`` is set). These are the failures
    a cache may answer from its last good copy.
    """

    def __init__(self, url: str, reason: str, detail: str) -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        super().__init__(f"the Hub is unavailable ({reason}) for {url}: {detail}")


class HubRequestError(ResolverError, LookupError):
    """The Hub answered, and the answer is a refusal (401, 403, 404, ...).

    Unlike :class:`HubUnavailableError` this is not served from a stale copy:
    a revoked token or a deleted model must not keep its old answer.
    """

    def __init__(self, url: str, status: int, detail: str) -> None:
        self.url = url
        self.status = status
        self.detail = detail
        super().__init__(f"the Hub refused {url} with status {status}: {detail}")
