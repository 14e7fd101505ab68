"""Checks a diagram must pass before it is published; each problem names the element, in Chinese.

Order: hardened XML pre-parse, BPMN XSD and SpiffWorkflow parse (`specs.parse_diagram`), then the
Beian rules: service tasks name existing handlers; user tasks sit in a role lane and name a valid
JSON Schema form; timers evaluate to a date or an ISO-8601 duration; every expression compiles in
the restricted evaluator; exclusive/inclusive gateways have a default flow or complementary
conditions; nothing is unreachable or a dead end; each scope has an end event; no sequence-flow
cycles (use standard loops or call activities); called processes exist; messages are ones the
product sends.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

import tasks
from workflows.expressions import UnsafeExpressionError, compile_expression, compile_script, restricted_eval
from workflows.graph import depth_first
from workflows.settings import BPMN_DIR
from workflows.specs import SpecError, parse_diagram
from workflows.states import LANE_ROLES
from workflows.xmlguard import UnsafeXmlError, checked_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

# Messages the product delivers to running cases (`writepath.deliver_message`).
SENT_MESSAGES: tuple[str, ...] = ("objection",)

_FLOW_NODES = (
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "serviceTask", "scriptTask", "manualTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
)
_SCOPES = ("process", "subProcess", "transaction")
_FILE = "(文件)"


@dataclass(frozen=True)
class LintIssue:
    """One problem: the BPMN id of the element (or `(文件)`) and what is wrong, in Chinese."""

    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.element_id}: {self.message}"


def lint_diagram(data: bytes | str, name: str = "流程图", forms_dirs: list[Path] | None = None) -> list[LintIssue]:
    """Every problem of a diagram; an empty list means it may be published."""
    try:
        raw = checked_xml(data, name)
    except UnsafeXmlError as exc:
        return [LintIssue(_FILE, str(exc))]
    issues = []
    try:
        parse_diagram(raw, name)
    except SpecError as exc:
        issues.append(LintIssue(getattr(exc.__cause__, "id", "") or _FILE, str(exc)))
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    folders = forms_dirs if forms_dirs is not None else [BPMN_DIR / "common" / "forms"]
    return issues + _Linter(root, folders).run()


def lint_file(path: Path) -> list[LintIssue]:
    """Lint a diagram file; forms are looked up beside it, then in `bpmn/common/forms`."""
    return lint_diagram(path.read_bytes(), path.name, [path.parent / "forms", BPMN_DIR / "common" / "forms"])


def _local(element: Any) -> str:
    return etree.QName(element).localname


def _label(element: Any) -> str:
    name = element.get("name")
    return f"「{name}」" if name else f"{_local(element)} {element.get('id')}"


class _Linter:
    def __init__(self, root: Any, forms_dirs: list[Path]) -> None:
        self.root = root
        self.forms_dirs = forms_dirs
        self.issues: list[LintIssue] = []
        self.lanes = self._lanes()

    def run(self) -> list[LintIssue]:
        self._service_tasks()
        self._user_tasks()
        self._expressions()
        self._timers()
        self._gateways()
        self._messages()
        self._call_activities()
        for scope in self._scopes():
            self._scope_graph(scope)
        return self.issues

    def add(self, element: Any, message: str) -> None:
        self.issues.append(LintIssue(element.get("id") or _FILE, f"{_label(element)}：{message}"))

    def all(self, local: str) -> list[Any]:
        return self.root.findall(f".//bpmn:{local}", NS)

    # --- tasks ------------------------------------------------------------------------------
    def _service_tasks(self) -> None:
        handlers = tasks.handler_names()
        for task in self.all("serviceTask"):
            operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            if operator is None or not operator.get("id"):
                self.add(task, "服务任务未指定处理程序（spiffworkflow:serviceTaskOperator）")
            elif operator.get("id") not in handlers:
                self.add(task, f"处理程序 {operator.get('id')!r} 不存在（tasks/ 中未注册）")

    def _lanes(self) -> dict[str, str]:
        lanes = {}
        for lane in self.all("lane"):
            for ref in lane.findall("bpmn:flowNodeRef", NS):
                lanes[(ref.text or "").strip()] = lane.get("name", "")
        return lanes

    def _lane_of(self, element: Any) -> str | None:
        node = element
        while node is not None and _local(node) not in ("process", "definitions"):
            if node.get("id") in self.lanes:
                return self.lanes[node.get("id")]
            node = node.getparent()
        return None

    def _user_tasks(self) -> None:
        for task in self.all("userTask"):
            lane = self._lane_of(task)
            if lane is None:
                self.add(task, "人工任务不在任何泳道中，无法确定办理角色")
            elif lane not in LANE_ROLES:
                self.add(task, f"泳道「{lane}」不是已知角色（应为 {'、'.join(LANE_ROLES)} 之一）")
            form = _properties(task).get("formJsonSchemaFilename")
            if not form:
                self.add(task, "人工任务未指定表单（属性 formJsonSchemaFilename）")
            else:
                self._form(task, form)

    def _form(self, task: Any, form: str) -> None:
        path = next((d / form for d in self.forms_dirs if (d / form).is_file()), None)
        if path is None:
            self.add(task, f"表单 {form} 不存在")
            return
        try:
            schema = json.loads(path.read_text("utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
        except json.JSONDecodeError as exc:
            self.add(task, f"表单 {form} 不是有效的 JSON：{exc}")
        except jsonschema.SchemaError as exc:
            self.add(task, f"表单 {form} 不是有效的 JSON Schema：{exc.message}")

    # --- expressions and timers -------------------------------------------------------------
    def _expressions(self) -> None:
        for element, text in self._expression_texts():
            try:
                compile_expression(text)
            except (UnsafeExpressionError, SyntaxError) as exc:
                self.add(element, f"表达式不安全或无效：{exc}")
                continue
            if _private_strings(text):
                self.add(element, f"表达式 {text!r} 引用了以下划线开头的名称 {', '.join(_private_strings(text))}（不允许访问内部属性）")
        for script in self.all("script"):
            try:
                compile_script(script.text or "")
            except (UnsafeExpressionError, SyntaxError) as exc:
                self.add(script.getparent(), f"脚本不安全或无效：{exc}")

    def _expression_texts(self) -> Iterator[tuple[Any, str]]:
        for tag in ("conditionExpression", "loopCondition", "completionCondition"):
            for expr in self.all(tag):
                if (expr.text or "").strip():
                    yield _owner(expr), expr.text.strip()
        for param in self.root.findall(".//spiffworkflow:parameter", NS):
            if param.get("value"):
                yield _owner(param), param.get("value")
        for task in self.all("userTask"):
            if _properties(task).get("assignee"):
                yield task, _properties(task)["assignee"]

    def _timers(self) -> None:
        for definition in self.all("timerEventDefinition"):
            event = definition.getparent()
            if definition.find("bpmn:timeCycle", NS) is not None:
                self.add(event, "不支持循环定时器（timeCycle），请使用 timeDate 或 timeDuration")
            for tag, kind in (("timeDate", "date"), ("timeDuration", "duration")):
                expr = definition.find(f"bpmn:{tag}", NS)
                if expr is not None:
                    self._timer_value(event, (expr.text or "").strip(), kind)

    def _timer_value(self, event: Any, text: str, kind: str) -> None:
        if not text:
            self.add(event, "定时器表达式为空")
            return
        try:
            value = restricted_eval(text, {})
        except (UnsafeExpressionError, SyntaxError) as exc:
            self.add(event, f"定时器表达式不安全或无效：{exc}")
            return
        except (NameError, KeyError, TypeError):
            return  # computed from case data: checked by the dry run
        except Exception as exc:  # noqa: BLE001 - any evaluation error is a lint finding
            self.add(event, f"定时器表达式 {text!r} 无法求值：{exc}")
            return
        if not _timer_ok(value, kind):
            wanted = "日期或日期时间（ISO 8601）" if kind == "date" else "ISO 8601 时长（如 P15D）"
            self.add(event, f"定时器表达式 {text!r} 的值 {value!r} 不是{wanted}")

    # --- gateways, messages, call activities ------------------------------------------------
    def _gateways(self) -> None:
        flows = {f.get("id"): f for f in self.all("sequenceFlow")}
        for kind in ("exclusiveGateway", "inclusiveGateway"):
            for gateway in self.all(kind):
                outgoing = [flows[ref.text.strip()] for ref in gateway.findall("bpmn:outgoing", NS)
                            if (ref.text or "").strip() in flows]
                if len(outgoing) < 2:
                    continue
                default = gateway.get("default")
                if default and default not in {f.get("id") for f in outgoing}:
                    self.add(gateway, f"默认流 {default} 不是该网关的出口")
                    continue
                unconditioned = [f.get("id") for f in outgoing
                                 if f.get("id") != default and _condition(f) is None]
                if unconditioned:
                    self.add(gateway, f"出口 {'、'.join(unconditioned)} 既无条件也不是默认流")
                elif not default and not _complementary([_condition(f) for f in outgoing]):
                    self.add(gateway, "网关没有默认流，且各出口条件不能覆盖所有情况（请设置默认流）")

    def _messages(self) -> None:
        messages = {m.get("id"): m for m in self.all("message")}
        for message in messages.values():
            if message.get("name") not in SENT_MESSAGES:
                self.add(message, f"消息名 {message.get('name')!r} 不是系统会发送的消息（{'、'.join(SENT_MESSAGES)}）")
        for definition in self.all("messageEventDefinition"):
            ref = definition.get("messageRef")
            if ref not in messages:
                self.add(definition.getparent(), f"引用的消息 {ref!r} 未定义")

    def _call_activities(self) -> None:
        processes = {p.get("id") for p in self.all("process")}
        for call in self.all("callActivity"):
            if call.get("calledElement") not in processes:
                self.add(call, f"调用的流程 {call.get('calledElement')!r} 不存在")

    # --- graph ------------------------------------------------------------------------------
    def _scopes(self) -> list[Any]:
        return [e for e in self.root.iter() if isinstance(e.tag, str) and _local(e) in _SCOPES
                and etree.QName(e).namespace == BPMN]

    def _scope_graph(self, scope: Any) -> None:
        nodes = {c.get("id"): c for c in scope if isinstance(c.tag, str) and _local(c) in _FLOW_NODES}
        if not nodes:
            return
        edges: dict[str, list[str]] = {node_id: [] for node_id in nodes}
        for flow in scope.findall("bpmn:sequenceFlow", NS):
            if flow.get("sourceRef") in edges and flow.get("targetRef") in nodes:
                edges[flow.get("sourceRef")].append(flow.get("targetRef"))
        for node_id, node in nodes.items():
            attached = node.get("attachedToRef")
            if _local(node) == "boundaryEvent" and attached in edges:
                edges[attached].append(node_id)
        starts = [i for i, n in nodes.items() if _local(n) == "startEvent"
                  and not (_local(scope) == "subProcess" and scope.get("triggeredByEvent") == "true")]
        if _local(scope) == "process" and scope.get("isExecutable") != "true" and not starts:
            return
        if not starts:
            self.add(scope, "缺少开始事件")
        if not any(_local(n) == "endEvent" for n in nodes.values()):
            self.add(scope, "缺少结束事件")
        reached = _reach(starts, edges)
        for node_id, node in nodes.items():
            if node_id not in reached:
                self.add(node, "从开始事件不可达")
            elif not edges[node_id] and _local(node) != "endEvent":
                self.add(node, "没有出口（未连到结束事件）")
        for source, target in _back_edges(starts, edges):
            self.add(nodes[target], f"存在回退连线（{source} → {target}）构成循环；请改用标准循环或调用活动")


def _properties(element: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in
            element.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def _owner(element: Any) -> Any:
    """The nearest ancestor that has a BPMN id (the element an expression belongs to)."""
    node = element
    while node is not None and (not node.get("id") or etree.QName(node).namespace != BPMN):
        node = node.getparent()
    return node if node is not None else element


def _condition(flow: Any) -> str | None:
    expr = flow.find("bpmn:conditionExpression", NS)
    return (expr.text or "").strip() or None if expr is not None else None


def _private_strings(expression: str) -> list[str]:
    """String literals naming private attributes (`getattr(x, "__class__")` compiles but must be refused)."""
    return [repr(n.value) for n in ast.walk(ast.parse(expression, mode="eval"))
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("_")]


def _complementary(conditions: list[str | None]) -> bool:
    """Two conditions `X` and `not X` (after normalising whitespace) cover every case."""
    if len(conditions) != 2 or None in conditions:
        return False
    try:
        first, second = (ast.parse(c, mode="eval").body for c in conditions)  # type: ignore[arg-type]
    except SyntaxError:
        return False

    def negates(a: ast.expr, b: ast.expr) -> bool:
        return isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.Not) and ast.dump(a.operand) == ast.dump(b)

    return negates(first, second) or negates(second, first)


def _timer_ok(value: Any, kind: str) -> bool:
    if kind == "date":
        if isinstance(value, datetime | date):
            return True
        try:
            TimerEventDefinition.get_datetime(str(value))
        except (ValueError, TypeError):
            return False
        return True
    try:
        TimerEventDefinition.parse_iso_duration(str(value))
    except Exception:  # noqa: BLE001 - Spiff raises plain Exception for a bad duration
        return False
    return True


def _reach(starts: list[str], edges: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, []))
    return seen


def _back_edges(starts: list[str], edges: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Edges that close a cycle (depth-first from every node, starts first)."""
    return depth_first(starts, edges)[1]
