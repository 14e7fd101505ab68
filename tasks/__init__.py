"""Service-task handlers: small named functions the diagrams call (`spiff:serviceTaskOperator id=...`).

A handler takes the step context, the Spiff task and the operator's parameters, and returns a
JSON-serializable result that the engine stores in the task's result variable.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.task import Task

from workflows.context import StepContext

Handler = Callable[..., Any]
HANDLERS: dict[str, Handler] = {}
FormCheck = Callable[..., None]
_FORM_CHECKS: dict[str, FormCheck] = {}

_MODULES = ("tasks.selection", "tasks.panel", "tasks.notices", "tasks.filing", "tasks.documents", "tasks.processes",
            "tasks.period", "tasks.assessment", "tasks.rectification", "tasks.revocation", "tasks.renewal",
            "tasks.scope")


def service(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under the operator name used in the diagrams."""

    def register(func: Handler) -> Handler:
        if name in HANDLERS:
            raise ValueError(f"service task handler {name!r} registered twice")
        HANDLERS[name] = func
        return func

    return register


def form_check(form: str) -> Callable[[FormCheck], FormCheck]:
    """Register an extra check (beyond JSON Schema) for a form, e.g. a score sheet against its rubric."""

    def register(func: FormCheck) -> FormCheck:
        _FORM_CHECKS[form] = func
        return func

    return register


def form_checks() -> dict[str, FormCheck]:
    _load()
    return _FORM_CHECKS


def handler_names() -> set[str]:
    """Every operator name a diagram may use."""
    _load()
    return set(HANDLERS)


def dispatch(ctx: StepContext, task: Task, name: str, params: dict[str, Any]) -> Any:
    """Run the handler a service task names."""
    _load()
    handler = HANDLERS.get(name)
    if handler is None:
        raise LookupError(f"服务任务 {task.task_spec.bpmn_id} 引用了不存在的处理程序 {name!r}")
    return handler(ctx, task, **params)


def _load() -> None:
    for module in _MODULES:
        importlib.import_module(module)
