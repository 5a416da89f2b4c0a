"""Reading JSON and JSON Lines files without letting the parser's errors out.

Rules files and model files are both read through here, so both report a bad
file the same way: a :class:`JsonFileError` with the line it is on.
"""

from __future__ import annotations

import json
import reprlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

__all__ = [
    "JSON_LINES_SUFFIXES",
    "JsonFileError",
    "is_json_lines",
    "parse_json",
    "read_text",
    "short_repr",
    "split_json_lines",
]

JSON_LINES_SUFFIXES: Final = frozenset({".jsonl", ".ndjson"})

_REPR = reprlib.Repr()
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlevel = 3


class JsonFileError(Exception):
    """A file, or one line of it, that is not JSON. Internal: callers turn it
    into their own public error, which knows the file's role."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def is_json_lines(path: str | Path) -> bool:
    return Path(path).suffix.lower() in JSON_LINES_SUFFIXES


def read_text(path: str | Path) -> str:
    """The file's text; a UTF-8 byte order mark, as some editors write, is dropped."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise JsonFileError(f"cannot read: not UTF-8 text ({error.reason})") from None
    except (OSError, ValueError) as error:
        # ValueError: a path holding a NUL character.
        reason = getattr(error, "strerror", None) or str(error)
        raise JsonFileError(f"cannot read: {reason}") from None


def parse_json(text: str, line: int | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = error.lineno if line is None else line
        raise JsonFileError(f"invalid JSON: {error.msg}", where) from None
    except RecursionError:
        raise JsonFileError("invalid JSON: nested too deeply", line) from None


def split_json_lines(text: str) -> Iterator[tuple[int, str]]:
    """Non-blank lines with their 1-based numbers.

    Lines end at ``\\n`` only: JSON allows other Unicode line breaks (U+2028,
    U+0085, ...) raw inside strings, where ``str.splitlines`` would cut.
    """
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if line.strip():
            yield number, line


def short_repr(value: Any) -> str:
    """A bounded, ASCII-safe repr of an offending input, for error messages."""
    try:
        shown = _REPR.repr(value)
    except RecursionError:
        shown = f"<{type(value).__name__} nested too deeply>"
    return shown.encode("ascii", "backslashreplace").decode("ascii")
