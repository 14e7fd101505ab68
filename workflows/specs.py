"""The spec registry: validate diagrams and register each as a version; instances keep theirs.

Layout: `bpmn/common/<process>.bpmn` holds the diagrams every pack uses; `bpmn/<pack>/<process>.bpmn`
overrides one for a pack. Forms (JSON Schema) live in `forms/` beside the diagram. A diagram is
stored once by the SHA-256 of its XML (`SpecBlob`); `ProcessVersion` numbers the versions per pack
and process.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from sqlmodel import Session, col, select

from workflows.engine import LIBRARY_VERSION, spec_to_json, use_clock_timers
from workflows.models import ProcessVersion, SpecBlob
from workflows.settings import BPMN_DIR
from workflows.xmlguard import checked_xml

COMMON = "common"


class SpecError(ValueError):
    """A diagram failed validation; nothing was registered."""


@dataclass(frozen=True)
class ParsedSpec:
    """A validated diagram: its executable process id, hash and serialized spec."""

    bpmn_id: str
    xml: bytes
    hash: str
    spec_json: str


def parse_diagram(data: bytes | str, name: str) -> ParsedSpec:
    """Pre-parse, XSD-validate and parse a diagram with exactly one executable process."""
    raw = checked_xml(data, name)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True)), name)
        ids = parser.get_process_ids()
        if len(ids) != 1:
            raise SpecError(f"{name}：应恰好包含一个可执行流程（isExecutable=\"true\"），实际为 {len(ids)} 个")
        spec = parser.get_spec(ids[0])
        subs = parser.get_subprocess_specs(ids[0])
    except ValidationException as exc:
        where = "，".join(part for part in (f"元素 {exc.id}" if exc.id else "",
                                            f"第 {exc.line_number} 行" if exc.line_number else "") if part)
        raise SpecError(f"{name}：BPMN 校验失败{f'（{where}）' if where else ''}：{exc}") from exc
    use_clock_timers([spec, *subs.values()])
    return ParsedSpec(ids[0], raw, hashlib.sha256(raw).hexdigest(), spec_to_json(spec, subs))


def diagram_path(pack_id: str, process_key: str) -> Path:
    """The diagram a pack uses for a process: its own, else the common one."""
    own = BPMN_DIR / pack_id / f"{process_key}.bpmn"
    return own if own.exists() else BPMN_DIR / COMMON / f"{process_key}.bpmn"


def process_keys() -> list[str]:
    """Every process that has a common diagram."""
    return sorted(p.stem for p in (BPMN_DIR / COMMON).glob("*.bpmn"))


def register(
    session: Session,
    pack_id: str,
    process_key: str,
    parsed: ParsedSpec,
    *,
    now: datetime,
    source: str = "",
    published_by: str = "system",
    effective_from: date | None = None,
    basis_note: str = "",
) -> ProcessVersion:
    """Register a parsed diagram as the next version, unless it equals the newest one."""
    latest = latest_version(session, pack_id, process_key)
    if latest is not None and latest.spec_hash == parsed.hash:
        return latest
    if session.get(SpecBlob, parsed.hash) is None:
        xml_text = parsed.xml.decode("utf-8")
        session.add(SpecBlob(hash=parsed.hash, bpmn_xml=xml_text, spec_json=parsed.spec_json,
                             library_version=LIBRARY_VERSION, created_at=now))
        session.flush()
    version = ProcessVersion(
        pack_id=pack_id,
        process_key=process_key,
        bpmn_id=parsed.bpmn_id,
        version=(latest.version + 1) if latest else 1,
        spec_hash=parsed.hash,
        source_path=source,
        published_by=published_by,
        published_at=now,
        effective_from=effective_from,
        basis_note=basis_note,
    )
    session.add(version)
    session.flush()
    return version


def register_all(session: Session, pack_ids: list[str], now: datetime) -> list[ProcessVersion]:
    """Register every diagram under `bpmn/` for every pack (unchanged diagrams add nothing)."""
    versions = []
    for key in process_keys():
        for pack_id in pack_ids:
            path = diagram_path(pack_id, key)
            parsed = parse_diagram(path.read_bytes(), str(path.relative_to(BPMN_DIR)))
            versions.append(register(session, pack_id, key, parsed, now=now, source=str(path.relative_to(BPMN_DIR))))
    return versions


def latest_version(session: Session, pack_id: str, process_key: str, on: date | None = None) -> ProcessVersion | None:
    """The newest published version (effective on `on`, when given)."""
    query = select(ProcessVersion).where(
        ProcessVersion.pack_id == pack_id,
        ProcessVersion.process_key == process_key,
        ProcessVersion.status == "published",
    )
    if on is not None:
        query = query.where((col(ProcessVersion.effective_from).is_(None)) | (col(ProcessVersion.effective_from) <= on))
    return session.exec(query.order_by(col(ProcessVersion.version).desc())).first()


_SPEC_CACHE: dict[str, str] = {}


def spec_json(session: Session, spec_hash: str) -> str:
    """The serialized spec of a stored diagram (immutable per hash, so cached per process)."""
    if spec_hash not in _SPEC_CACHE:
        blob = session.get(SpecBlob, spec_hash)
        if blob is None:
            raise LookupError(f"流程定义 {spec_hash} 不存在")
        _SPEC_CACHE[spec_hash] = blob.spec_json
    return _SPEC_CACHE[spec_hash]


@dataclass(frozen=True)
class DiagramNames:
    """What people call a stored diagram and its elements (from the diagram's `name` attributes)."""

    process: str
    elements: dict[str, str]

    def element(self, bpmn_id: str) -> str:
        return self.elements.get(bpmn_id) or bpmn_id


_NAMES_CACHE: dict[str, DiagramNames] = {}


def diagram_names(session: Session, spec_hash: str) -> DiagramNames:
    """The executable process's name and every element's name of a stored diagram (cached per hash)."""
    if spec_hash not in _NAMES_CACHE:
        blob = session.get(SpecBlob, spec_hash)
        if blob is None:
            raise LookupError(f"流程定义 {spec_hash} 不存在")
        root = etree.fromstring(blob.bpmn_xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
        ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
        process = root.find("bpmn:process[@isExecutable='true']", ns)
        elements = {el.get("id"): el.get("name") for el in root.iter() if el.get("id") and el.get("name")}
        _NAMES_CACHE[spec_hash] = DiagramNames(process.get("name", "") if process is not None else "", elements)
    return _NAMES_CACHE[spec_hash]


def load_form(source_path: str, form_name: str) -> dict[str, Any]:
    """The JSON Schema of a user task's form, from `forms/` beside the diagram (or the common one)."""
    diagram_dir = (BPMN_DIR / source_path).parent
    for folder in (diagram_dir / "forms", BPMN_DIR / COMMON / "forms"):
        path = folder / form_name
        if path.exists():
            return json.loads(path.read_text("utf-8"))
    raise LookupError(f"表单 {form_name} 不存在（在 {diagram_dir}/forms 或 common/forms 中均未找到）")
