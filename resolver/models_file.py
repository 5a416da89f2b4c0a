"""Reading files of Hub model records ``{id, tags, pipeline_tag}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from resolver.errors import ModelFileError
from resolver.model import Model

__all__ = ["read_models"]


class _ModelRecord(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    id: str
    tags: list[str] = []
    pipeline_tag: str | None = None
    siblings: list[str] | None = None


def _sibling_names(data: dict[str, Any]) -> Any:
    # The Hub writes siblings as [{"rfilename": ...}]; a plain list of names is
    # accepted too.
    siblings = data.get("siblings")
    if isinstance(siblings, list):
        return [s.get("rfilename") if isinstance(s, dict) else s for s in siblings]
    return siblings


def read_models(path: str | Path) -> list[Model]:
    """Read a JSON (list) or JSON Lines file of model records.

    :raises ModelFileError: naming the file, the entry and the field.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ModelFileError(source, None, "", f"cannot read: {reason}") from None

    # Each record with where it stands: its line in JSON Lines, else its index.
    records: list[tuple[int, Any]] = []
    is_lines = Path(path).suffix.lower() in {".jsonl", ".ndjson"}
    if is_lines:
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                records.append((number, json.loads(raw)))
            except json.JSONDecodeError as error:
                raise ModelFileError(
                    source, number, "", f"invalid JSON: {error.msg}"
                ) from None
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ModelFileError(
                source, error.lineno, "", f"invalid JSON: {error.msg}"
            ) from None
        if not isinstance(document, list):
            raise ModelFileError(source, None, "", "expected a list of model records")
        records = list(enumerate(document))

    models = []
    for where, data in records:
        if not isinstance(data, dict):
            raise ModelFileError(
                source, where, "", "a model record must be an object", is_lines
            )
        try:
            record = _ModelRecord.model_validate(
                {**data, "siblings": _sibling_names(data)}
            )
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            field = ".".join(str(part) for part in detail["loc"])
            raise ModelFileError(
                source, where, field, detail["msg"], is_lines
            ) from None
        if not record.id:
            raise ModelFileError(source, where, "id", "must not be empty", is_lines)
        models.append(
            Model(record.id, record.tags, record.pipeline_tag, record.siblings)
        )
    return models
