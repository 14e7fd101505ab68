"""SpiffWorkflow glue: parsing, our clock-driven timers, the restricted script engine, serialization.

Timers: after parsing, every timeDate/timeDuration event definition is switched to a subclass whose
`has_fired` never reads the wall clock. The due instant is evaluated once from case data (or, for a
duration, from our injected clock) and kept in `event_value`; the timer fires only when Beian's
sweep marks that exact task (`fire_timer`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from workflows.expressions import restricted_eval, restricted_exec

LIBRARY_VERSION = "SpiffWorkflow==3.2.0"
__all__ = ["SERIALIZER_VERSION", "LIBRARY_VERSION"]


class ClockTimeDate(TimeDateEventDefinition):
    """A timeDate timer that fires only when Beian's sweep says so."""

    def has_fired(self, my_task: Task) -> bool:
        if my_task._get_internal_data("event_value") is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=_iso(value))
        return my_task._get_internal_data("event_fired", False)


class ClockDuration(DurationTimerEventDefinition):
    """A timeDuration timer counted from Beian's clock, fired only by Beian's sweep."""

    def has_fired(self, my_task: Task) -> bool:
        if my_task._get_internal_data("event_value") is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = my_task.workflow.script_engine.now()
            due = start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
            my_task._set_internal_data(event_value=due.isoformat())
        return my_task._get_internal_data("event_fired", False)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    TimerEventDefinition.get_datetime(text)  # raises for a value that is no ISO date-time
    return text


_TIMER_SWAP = {TimeDateEventDefinition: ClockTimeDate, DurationTimerEventDefinition: ClockDuration}


def use_clock_timers(specs: list[Any]) -> None:
    """Switch the parsed timers of these process specs to the clock-driven subclasses."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            swap = _TIMER_SWAP.get(type(definition))
            if swap is not None:
                definition.__class__ = swap


def _serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[ClockTimeDate] = TimerConditionalEventDefinitionConverter
    config[ClockDuration] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


SERIALIZER = _serializer()


class RestrictedEnvironment(TaskDataEnvironment):
    """Evaluates diagram expressions and scripts with RestrictedPython (no access to internals)."""

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        return restricted_eval(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        restricted_exec(script, context, external_context or {})
        return True


ServiceDispatcher = Callable[[Task, str, dict[str, Any]], Any]


class BeianScriptEngine(PythonScriptEngine):
    """The script engine of one write-path step: restricted expressions, our clock, our service tasks."""

    def __init__(self, now: Callable[[], datetime], dispatch: ServiceDispatcher | None = None) -> None:
        super().__init__(environment=RestrictedEnvironment())
        self.now = now
        self._dispatch = dispatch

    def call_service(self, task: Task, operation_name: str, operation_params: dict, **_: Any) -> str:
        if self._dispatch is None:
            raise RuntimeError(f"服务任务 {operation_name} 不能在此环境中执行")
        params = {name: spec["value"] for name, spec in operation_params.items()}
        return json.dumps(self._dispatch(task, operation_name, params), ensure_ascii=False, default=str)


def spec_to_json(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """Serialize a parsed process spec (and its called processes) once, for `SpecBlob`."""
    dct = {
        "spec": SERIALIZER.registry.convert(spec),
        "subprocess_specs": {k: SERIALIZER.registry.convert(v) for k, v in subprocess_specs.items()},
    }
    return json.dumps(dct)


def new_workflow(spec_json: str, engine: BeianScriptEngine) -> BpmnWorkflow:
    """A fresh instance of a stored spec."""
    dct = json.loads(spec_json)
    spec = SERIALIZER.registry.restore(dct["spec"])
    subs = {k: SERIALIZER.registry.restore(v) for k, v in dct["subprocess_specs"].items()}
    return BpmnWorkflow(spec, subs, script_engine=engine)


def dump_state(workflow: BpmnWorkflow) -> str:
    """The instance's state as JSON, without the spec (stored once in `SpecBlob`)."""
    dct = SERIALIZER.to_dict(workflow)
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return json.dumps(dct, separators=(",", ":"), ensure_ascii=False)


def load_state(spec_json: str, state_json: str, engine: BeianScriptEngine) -> BpmnWorkflow:
    """Restore an instance from its stored spec and state."""
    dct = json.loads(state_json)
    dct.update(json.loads(spec_json))
    SERIALIZER.migrate(dct)
    workflow = SERIALIZER.from_dict(dct)
    workflow.script_engine = engine
    return workflow


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def waiting_timers(workflow: BpmnWorkflow) -> list[tuple[Task, str]]:
    """Every waiting timer task and its due instant (ISO), evaluating it if not yet known."""
    result = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(task.task_spec, CatchingEvent) and isinstance(definition, ClockTimeDate | ClockDuration):
            definition.has_fired(task)
            result.append((task, task._get_internal_data("event_value")))
    return result


def fire_timer(workflow: BpmnWorkflow, task_id: str) -> Task:
    """Mark exactly this waiting timer as fired and let the engine move on."""
    task = workflow.get_task_from_id(_uuid(task_id))
    if task is None or task.state != TaskState.WAITING:
        raise LookupError(f"定时器 {task_id} 已不在等待中")
    task._set_internal_data(event_fired=True)
    workflow.refresh_timers()
    return task


def _uuid(task_id: str) -> UUID:
    try:
        return UUID(task_id)
    except ValueError as exc:
        raise LookupError(f"任务编号格式不正确：{task_id!r}") from exc
