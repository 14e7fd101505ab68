"""Hostile diagrams and expressions are refused before they can do anything.

Uploaded BPMN with an external entity, an entity-expansion bomb or over the size cap is refused with
a clear message and nothing is registered; sandbox escapes are refused by the restricted evaluator,
also when a registered diagram's gateway condition tries one at run time (the case stays unchanged).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func
from sqlmodel import select
from test_failures import (  # noqa: F401 - `probe` is a fixture
    CLERK,
    FIXTURE_BPMN,
    dump,
    failures,
    probe,
    register_fixture,
    start_probe,
)

from workflows.db import read_session
from workflows.expressions import UnsafeExpressionError, restricted_eval, restricted_exec
from workflows.models import ProcessVersion, SpecBlob
from workflows.writepath import complete_task
from workflows.xmlguard import MAX_BYTES, UnsafeXmlError

PROBE = (FIXTURE_BPMN / "probe.bpmn").read_text("utf-8")
_, _BODY = PROBE.split("?>", 1)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + _BODY.replace(
    'name="探针任务"', 'name="&xxe;"')
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]>" + _BODY.replace('name="探针任务"', 'name="&i;"'))
OVERSIZE = PROBE.replace("<bpmn:process ", "<!--" + "x" * MAX_BYTES + "-->\n  <bpmn:process ")

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('true')",
    '"{0.__class__}".format(1)',
    "getattr(1, 'real')",
    "getattr((), '__class__')",
    "open('/etc/passwd').read()",
    "[c for c in ().__class__.__mro__]",
]

REFUSALS = ("被拒绝", "name 'getattr' is not defined", "methods of `str` is not safe")

def counts() -> tuple[int, int]:
    with read_session() as session:
        return (session.exec(select(func.count()).select_from(SpecBlob)).one(),
                session.exec(select(func.count()).select_from(ProcessVersion)).one())

@pytest.mark.parametrize(("xml", "message"), [
    (XXE, "不允许 DOCTYPE"),
    (BOMB, "不允许 DOCTYPE"),
    (OVERSIZE, "超过上限"),
    (PROBE.replace("</bpmn:definitions>", "<!ENTITY x 'y'></bpmn:definitions>"), "ENTITY"),
], ids=["external-entity", "entity-bomb", "over-size-cap", "stray-entity"])
def test_hostile_xml_is_refused_before_registration(db, xml: str, message: str) -> None:  # type: ignore[no-untyped-def]
    before = counts()
    with pytest.raises(UnsafeXmlError, match=message) as refused:
        register_fixture("probe", xml=xml.encode("utf-8"))
    assert str(refused.value).startswith("probe.bpmn：")
    assert counts() == before

def test_the_unchanged_diagram_registers(db) -> None:  # type: ignore[no-untyped-def]
    blobs, versions = counts()
    register_fixture("probe")
    assert counts() == (blobs + 1, versions + 1)

@pytest.mark.parametrize("expression", ESCAPES)
def test_sandbox_escapes_are_refused(expression: str) -> None:
    with pytest.raises((UnsafeExpressionError, NameError, NotImplementedError)) as refused:
        restricted_eval(expression, {})
    assert str(refused.value)
    with pytest.raises((UnsafeExpressionError, NameError, NotImplementedError)):
        restricted_exec(f"result = {expression}", {}, {})

def test_underscore_names_are_refused_at_compile_time() -> None:
    with pytest.raises(UnsafeExpressionError, match="被拒绝"):
        restricted_eval("().__class__", {})
    assert restricted_eval('choice == "yes"', {"choice": "yes"}) is True

@pytest.mark.usefixtures("probe")
@pytest.mark.parametrize("expression", [ESCAPES[0], ESCAPES[1], ESCAPES[2], ESCAPES[4]])
def test_gateway_condition_escape_is_refused_at_run_time(expression: str) -> None:
    hostile = PROBE.replace('choice == "yes"', escape(expression, {'"': "&quot;"}))
    register_fixture("probe", xml=hostile.encode("utf-8"))  # version 2: new cases use it

    _, item = start_probe()
    before = dump()
    with pytest.raises(Exception) as refused:
        complete_task(item.task_id, {"choice": "yes"}, CLERK)
    assert "Error evaluating expression" in str(refused.value)
    after = dump()
    assert {k: v for k, v in after.items() if k != "failure"} == {k: v for k, v in before.items() if k != "failure"}
    (failure,) = failures()
    assert any(reason in failure.error for reason in REFUSALS), failure.error
