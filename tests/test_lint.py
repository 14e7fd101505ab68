"""Pre-publish checks: each broken diagram yields an issue naming the element, in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.expressions import UnsafeExpressionError, restricted_eval
from workflows.lint import LintIssue, lint_diagram, lint_file
from workflows.settings import BPMN_DIR

BASE = (Path(__file__).parent / "fixtures" / "lint" / "base.bpmn").read_text("utf-8")
ESCAPE = "().__class__.__base__.__subclasses__()"


def lint(*replacements: tuple[str, str]) -> list[LintIssue]:
    xml = BASE
    for old, new in replacements:
        assert old in xml, old
        xml = xml.replace(old, new)
    return lint_diagram(xml, "probe.bpmn")


def only(issues: list[LintIssue]) -> LintIssue:
    assert len(issues) == 1, issues
    return issues[0]


def test_valid_diagrams_pass() -> None:
    assert lint() == []
    assert lint_file(BPMN_DIR / "common" / "selection.bpmn") == []


def test_unsafe_xml_and_xsd_failures() -> None:
    issue = only(lint_diagram('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "evil.bpmn"))
    assert issue.element_id == "(文件)" and "DOCTYPE" in issue.message
    issue = only(lint(('<bpmn:endEvent id="end_no" name="退回">', '<bpmn:endEvent id="end_no" colour="red">')))
    assert "XSD" in issue.message or "校验失败" in issue.message
    assert "colour" in issue.message


def test_unknown_handler() -> None:
    issue = only(lint(('id="case.open"', 'id="case.nope"')))
    assert issue.element_id == "open_case"
    assert issue.message == "「登记受理」：处理程序 'case.nope' 不存在（tasks/ 中未注册）"


def test_user_task_lane_and_form() -> None:
    issue = only(lint(('<bpmn:flowNodeRef>review</bpmn:flowNodeRef>', '')))
    assert issue.element_id == "review" and "不在任何泳道" in issue.message
    issue = only(lint(('name="经办人"', 'name="门卫"')))
    assert issue.element_id == "review" and "泳道「门卫」不是已知角色" in issue.message
    issue = only(lint(('completeness.schema.json', 'missing.schema.json')))
    assert issue.message == "「材料审查」：表单 missing.schema.json 不存在"


def test_invalid_form_schema(tmp_path: Path) -> None:
    (tmp_path / "completeness.schema.json").write_text('{"type": "objekt"}', "utf-8")
    issue = only(lint_diagram(BASE, "probe.bpmn", [tmp_path]))
    assert issue.element_id == "review" and "不是有效的 JSON Schema" in issue.message
    (tmp_path / "completeness.schema.json").write_text('{"type": ', "utf-8")
    assert "不是有效的 JSON" in only(lint_diagram(BASE, "probe.bpmn", [tmp_path])).message


def test_timer_values() -> None:
    assert lint(('case["due_at"]', '"2026-10-14T00:00:00+08:00"')) == []
    issue = only(lint(('case["due_at"]', '"next tuesday"')))
    assert issue.element_id == "wait" and "不是日期或日期时间" in issue.message
    assert lint(('<bpmn:timeDate>case["due_at"]</bpmn:timeDate>', '<bpmn:timeDuration>"P15D"</bpmn:timeDuration>')) == []
    issue = only(lint(('<bpmn:timeDate>case["due_at"]</bpmn:timeDate>',
                       '<bpmn:timeDuration>"fifteen days"</bpmn:timeDuration>')))
    assert "ISO 8601 时长" in issue.message


def test_gateway_needs_default_or_complementary_conditions() -> None:
    issues = {i.element_id: i.message for i in lint(('default="f_no"', ''))}
    assert issues["gw"] == "「是否齐全」：出口 f_no 既无条件也不是默认流"
    assert "BPMN 校验失败" in issues["f_no"]
    no_default = ('default="f_no"', '')
    negated = ('<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no" />',
               '<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no">'
               '<bpmn:conditionExpression>{}</bpmn:conditionExpression></bpmn:sequenceFlow>')
    assert lint(no_default, (negated[0], negated[1].format("not complete"))) == []
    issue = only(lint(no_default, (negated[0], negated[1].format("not ready"))))
    assert "不能覆盖所有情况" in issue.message


def test_unreachable_dead_end_and_missing_end() -> None:
    orphan = '<bpmn:endEvent id="end_no" name="退回">'
    issues = lint(('<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="open_case" />', ''))
    ids = {(i.element_id, i.message.split("：")[-1]) for i in issues}
    assert ("start", "没有出口（未连到结束事件）") in ids
    assert ("open_case", "从开始事件不可达") in ids and ("end_ok", "从开始事件不可达") in ids
    issues = lint((orphan, '<bpmn:task id="end_no" name="退回">'), ('</bpmn:endEvent>\n    <bpmn:sequenceFlow id="f1"',
                                                                      '</bpmn:task>\n    <bpmn:sequenceFlow id="f1"'))
    assert any(i.element_id == "end_no" and "没有出口" in i.message for i in issues)


def test_gateway_back_edge_loop_is_refused() -> None:
    issues = lint(('<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no" />',
                   '<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="review" />'),
                  ('<bpmn:incoming>f2</bpmn:incoming>', '<bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f_no</bpmn:incoming>'))
    messages = {i.element_id: i.message for i in issues}
    assert "回退连线（gw → review）" in messages["review"]
    assert "从开始事件不可达" in messages["end_no"]


def test_called_process_must_exist() -> None:
    issues = lint(('<bpmn:serviceTask id="open_case" name="登记受理">',
                   '<bpmn:callActivity id="open_case" name="登记受理" calledElement="nowhere">'),
                  ('</bpmn:serviceTask>', '</bpmn:callActivity>'))
    assert any(i.element_id == "open_case" and "nowhere" in i.message for i in issues), issues


def test_message_names_must_be_sent_by_the_product() -> None:
    issue = only(lint(('name="objection"', 'name="complaint"')))
    assert issue.element_id == "msg_objection" and "不是系统会发送的消息" in issue.message


@pytest.mark.parametrize("escape", [
    ESCAPE,
    "[c for c in ().__class__.__bases__[0].__subclasses__()]",
    "getattr((), '__class__')",
    "__import__('os').system('id')",
])
def test_sandbox_escapes_refused_at_check_and_run_time(escape: str) -> None:
    issues = lint(('<bpmn:conditionExpression>complete</bpmn:conditionExpression>',
                   f'<bpmn:conditionExpression>{escape.replace("<", "&lt;")}</bpmn:conditionExpression>'))
    assert any(i.element_id == "f_ok" and "表达式" in i.message for i in issues), issues
    with pytest.raises((UnsafeExpressionError, NameError, AttributeError, TypeError)):
        restricted_eval(escape, {})


def test_unsafe_script_refused() -> None:
    script_task = ('<bpmn:scriptTask id="open_case" name="登记受理"><bpmn:incoming>f1</bpmn:incoming>'
                   '<bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>x = ().__class__</bpmn:script></bpmn:scriptTask>')
    start = BASE.index('<bpmn:serviceTask id="open_case"')
    end = BASE.index("</bpmn:serviceTask>") + len("</bpmn:serviceTask>")
    issue = only(lint_diagram(BASE[:start] + script_task + BASE[end:], "probe.bpmn"))
    assert issue.element_id == "open_case" and "脚本不安全" in issue.message
