"""Shared validation helpers: JSON Schema with line numbers, unique ids."""

from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema

from workflows.policy.yamlsrc import YamlDoc


def _iso_dates(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _iso_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso_dates(v) for v in value]
    return value


def check_schema(doc: YamlDoc, schema: dict[str, Any]) -> dict[str, Any]:
    """Validate `doc` against `schema`; return the data with dates as ISO text, or raise on the first error."""
    data = _iso_dates(doc.data)
    if not isinstance(data, dict):
        raise doc.error((), "文件内容须为一个映射（key: value）")
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        error = errors[0]
        location = list(error.absolute_path)
        field = ".".join(str(p) for p in location) or "(顶层)"
        raise doc.error(location, f"{field}: {error.message}")
    return data


def check_unique(doc: YamlDoc, locations: list[tuple[Any, ...]], what: str) -> None:
    """Raise naming the line of the first repeated value among `locations`."""
    seen: set[Any] = set()
    for location in locations:
        value: Any = doc.data
        for step in location:
            value = value[step]
        if value in seen:
            raise doc.error(location, f"{what} {value!r} 重复")
        seen.add(value)
