"""Helpers shared by CLI modules: JSON output and clean error reporting."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import click


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(value: Any) -> None:
    """Print one JSON document (UTF-8, Chinese kept readable)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_default))


class UserError(click.ClickException):
    """A bad input: printed as `错误: …` with exit code 2, never a traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return self.message
