"""Restricted evaluation of diagram expressions and scripts (RestrictedPython).

Diagrams are untrusted input: a plain `eval` sandbox is escapable, so every expression is compiled
with `compile_restricted_*` (names and attributes starting with `_` are refused at compile time) and
run with guarded attribute and item access and a short list of harmless builtins.
"""

from __future__ import annotations

from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

_BUILTINS = {
    **safe_builtins,
    **{f.__name__: f for f in (all, any, enumerate, max, min, sorted, sum, list, dict, set, zip, map, filter)},
}


class UnsafeExpressionError(ValueError):
    """An expression or script uses something the restricted evaluator refuses."""


def _globals() -> dict[str, Any]:
    return {
        "__builtins__": _BUILTINS,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
    }


@lru_cache(maxsize=2048)
def compile_expression(expression: str) -> CodeType:
    """Compile an expression, or raise `UnsafeExpressionError` with the refusal reasons."""
    result = compile_restricted_eval(expression, "<expression>")
    if result.errors or result.code is None:
        raise UnsafeExpressionError(f"表达式 {expression!r} 被拒绝：{'；'.join(result.errors)}")
    return result.code


@lru_cache(maxsize=512)
def compile_script(script: str) -> CodeType:
    """Compile a script, or raise `UnsafeExpressionError` with the refusal reasons."""
    result = compile_restricted_exec(script, "<script>")
    if result.errors or result.code is None:
        raise UnsafeExpressionError(f"脚本被拒绝：{'；'.join(result.errors)}")
    return result.code


def restricted_eval(expression: str, names: dict[str, Any]) -> Any:
    """Evaluate `expression` with `names` visible and nothing else reachable."""
    scope = _globals()
    scope.update(names)
    return eval(compile_expression(expression), scope)  # noqa: S307 - restricted code object


def restricted_exec(script: str, context: dict[str, Any], external: dict[str, Any]) -> None:
    """Run `script` over the task data `context`; new plain variables are written back to it."""
    scope = _globals()
    scope.update(external)
    scope.update(context)
    exec(compile_script(script), scope)  # noqa: S102 - restricted code object
    for name, value in scope.items():
        if not name.startswith("_") and name not in external and not callable(value):
            context[name] = value
