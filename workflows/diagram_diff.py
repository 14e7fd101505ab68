"""Element-level difference of two BPMN diagrams by BPMN id (added, removed, changed).

Only model elements count (the `bpmn:` namespace, not the drawing): an element is changed when
its attributes, text or id-less children (incoming/outgoing refs, expressions, extension
properties) differ; children with their own id are compared on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from workflows.xmlguard import checked_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class ElementChange:
    """One element that differs; `details` says how (Chinese)."""

    element_id: str
    kind: str
    name: str
    details: tuple[str, ...] = ()


@dataclass
class DiagramDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {k: [vars(c) | {"details": list(c.details)} for c in getattr(self, k)]
                for k in ("added", "removed", "changed")}


def _elements(xml: bytes | str, name: str) -> dict[str, Any]:
    raw = checked_xml(xml, name)
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    return {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")
            and etree.QName(e).namespace == BPMN and etree.QName(e).localname != "definitions"}


def _content(element: Any) -> str:
    """Canonical text of an element's own content, leaving out children that have their own id."""
    parts = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.get("id") and etree.QName(child).namespace == BPMN:
            parts.append(f"<ref {child.get('id')}>")
            continue
        attrs = " ".join(f"{k}={v}" for k, v in sorted(child.attrib.items()))
        parts.append(f"<{etree.QName(child).localname} {attrs}>{(child.text or '').strip()}{_content(child)}</>")
    return "".join(parts)


def _details(old: Any, new: Any) -> tuple[str, ...]:
    details = []
    for key in sorted(set(old.attrib) | set(new.attrib)):
        if old.get(key) != new.get(key):
            details.append(f"{key}：{old.get(key) or '（无）'} → {new.get(key) or '（无）'}")
    if (old.text or "").strip() != (new.text or "").strip():
        details.append("文本内容已修改")
    if _content(old) != _content(new):
        details.append("连线、表达式或扩展属性已修改")
    return tuple(details)


def _change(element: Any, details: tuple[str, ...] = ()) -> ElementChange:
    return ElementChange(element.get("id"), etree.QName(element).localname, element.get("name") or "", details)


def diff_diagrams(old_xml: bytes | str, new_xml: bytes | str) -> DiagramDiff:
    """Added, removed and changed model elements of `new_xml` relative to `old_xml`."""
    old, new = _elements(old_xml, "原版本"), _elements(new_xml, "草稿")
    result = DiagramDiff()
    result.added = [_change(new[i]) for i in new if i not in old]
    result.removed = [_change(old[i]) for i in old if i not in new]
    for element_id in old.keys() & new.keys():
        details = _details(old[element_id], new[element_id])
        if details:
            result.changed.append(_change(new[element_id], details))
    result.changed.sort(key=lambda c: c.element_id)
    return result
