"""A tiny arithmetic evaluator for computed thresholds in policy packs.

Only numbers, dotted names, `+ - * /`, parentheses, unary minus and `max(...)`/`min(...)` are
accepted, so a pack can say `200 + 100 * (occupation_count - 1)` and nothing more.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from fractions import Fraction
from typing import Any

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: Fraction(a) / Fraction(b),
}
_FUNCS: dict[str, Callable[..., Any]] = {"max": max, "min": min}


class ArithError(ValueError):
    """An expression outside the allowed arithmetic, or a name that has no value."""


def parse(expression: str) -> ast.expr:
    """Parse and check an expression; raise `ArithError` naming the refused construct."""
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError as exc:
        raise ArithError(f"表达式 {expression!r} 语法错误：{exc.msg}") from exc
    for node in ast.walk(tree):
        allowed = isinstance(
            node,
            ast.BinOp | ast.UnaryOp | ast.Constant | ast.Name | ast.Attribute | ast.Load | ast.Call,
        ) or type(node) in _BINOPS or isinstance(node, ast.USub)
        if not allowed:
            raise ArithError(f"表达式 {expression!r} 含不允许的成分 {type(node).__name__}")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ArithError(f"表达式 {expression!r} 只能含数字常量")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNCS and not node.keywords
        ):
            raise ArithError(f"表达式 {expression!r} 只能调用 max/min")
    return tree


def names(expression: str) -> set[str]:
    """The dotted names an expression reads (functions excluded)."""
    found: set[str] = set()
    for node in ast.walk(parse(expression)):
        if isinstance(node, ast.Attribute | ast.Name) and not _is_func(node):
            dotted = _dotted(node)
            if dotted is not None:
                found.add(dotted)
    return {n for n in found if not any(o != n and o.startswith(n + ".") for o in found)}


def evaluate(expression: str, lookup: Callable[[str], Any]) -> Any:
    """Evaluate with `lookup(dotted_name)` supplying values; a missing value raises `ArithError`."""
    return _eval(parse(expression), lookup, expression)


def _is_func(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in _FUNCS


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _eval(node: ast.expr, lookup: Callable[[str], Any], expression: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name | ast.Attribute):
        name = _dotted(node) or ""
        value = lookup(name)
        if not isinstance(value, int | float | Fraction) or isinstance(value, bool):
            raise ArithError(f"表达式 {expression!r} 中的 {name} 没有数值")
        return value
    if isinstance(node, ast.UnaryOp):
        return -_eval(node.operand, lookup, expression)
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, lookup, expression), _eval(node.right, lookup, expression))
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return _FUNCS[node.func.id](*(_eval(a, lookup, expression) for a in node.args))
