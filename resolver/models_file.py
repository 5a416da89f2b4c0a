"""Reading files of Hub model records ``{id, tags, pipeline_tag}``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from resolver._jsonfile import (
    JsonFileError,
    is_json_lines,
    parse_json,
    read_text,
    short_repr,
    split_json_lines,
)
from resolver._schemas import check_text, field_path
from resolver.errors import ModelFileError
from resolver.model import Model

__all__ = ["read_models"]


def _encodable(value: str) -> str:
    # Tags are compared exactly and may be odd, even blank; but they must be
    # text that can be printed.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text (a lone surrogate)") from None
    return value


class _ModelRecord(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    id: Annotated[str, AfterValidator(check_text)]
    tags: list[Annotated[str, AfterValidator(_encodable)]] = []
    pipeline_tag: Annotated[str, AfterValidator(check_text)] | None = None
    siblings: list[Annotated[str, AfterValidator(_encodable)]] | None = None


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
    is_lines = is_json_lines(path)
    # Each record with where it stands: its line in JSON Lines, else its index.
    records: list[tuple[int, Any]]
    try:
        text = read_text(path)
        if is_lines:
            records = [
                (number, parse_json(raw, number))
                for number, raw in split_json_lines(text)
            ]
        else:
            document = parse_json(text)
            if not isinstance(document, list):
                raise ModelFileError(
                    source, None, "", "expected a list of model records"
                )
            records = list(enumerate(document))
    except JsonFileError as problem:
        raise ModelFileError(source, problem.line, "", problem.message) from None

    return [_model(data, source, where, is_lines) for where, data in records]


def _model(data: Any, source: str, where: int, is_line: bool) -> Model:
    if not isinstance(data, dict):
        raise ModelFileError(
            source, where, "", "a model record must be an object", is_line
        )
    try:
        record = _ModelRecord.model_validate({**data, "siblings": _sibling_names(data)})
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        field = field_path(detail["loc"])
        message = f"{detail['msg']} (got {short_repr(detail['input'])})"
        raise ModelFileError(source, where, field, message, is_line) from None
    return Model(record.id, record.tags, record.pipeline_tag, record.siblings)
