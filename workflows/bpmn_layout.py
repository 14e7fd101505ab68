"""A deterministic auto-layout that adds diagram interchange (BPMN DI) to diagrams written by hand.

Each container (the process and every sub-process) is laid out on its own plane: flow nodes go left
to right by their depth along sequence flows, lanes are horizontal bands, boundary events sit on
their host's lower edge. Sub-processes are drawn collapsed in their parent and get their own plane,
which bpmn-js opens by drill-down. The DI is inserted as text before the closing root tag, so the
rest of the file keeps its bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workflows.graph import depth_first

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
_NS = {"bpmn": BPMN, "bpmndi": BPMNDI}

SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
COLUMN, ROW = 150, 120
LANE_HEADER, POOL_HEADER, MARGIN = 30, 30, 40
_NOT_DRAWN = {"definitions", "process", "collaboration", "message", "signal", "error", "escalation",
              "timerEventDefinition", "messageEventDefinition", "signalEventDefinition", "errorEventDefinition",
              "escalationEventDefinition", "conditionalEventDefinition", "terminateEventDefinition",
              "linkEventDefinition", "cancelEventDefinition", "compensateEventDefinition", "inputDataItem",
              "outputDataItem", "dataInput", "dataOutput", "inputSet", "outputSet", "childLaneSet"}
_NOT_NODES = {"sequenceFlow", "laneSet", "documentation", "extensionElements", "incoming", "outgoing",
              "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "dataObject",
              "dataObjectReference", "dataStoreReference", "association", "textAnnotation", "ioSpecification",
              "property", "dataInputAssociation", "dataOutputAssociation"}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _size(el: etree._Element) -> tuple[int, int]:
    name = _local(el)
    if name.endswith("Event"):
        return SIZES["event"]
    if name.endswith("Gateway"):
        return SIZES["gateway"]
    return SIZES["task"]


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    def attrs(self) -> str:
        return f'x="{self.x:g}" y="{self.y:g}" width="{self.w:g}" height="{self.h:g}"'


@dataclass
class Plane:
    """The shapes and edges of one container, ready to be written as a BPMNPlane."""

    element: str
    shapes: list[str] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)


def missing_shapes(xml: bytes) -> list[str]:
    """Ids of flow nodes, lanes and participants the diagram draws no shape for (all of them without DI)."""
    root = etree.fromstring(xml)
    drawn = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    wanted = [el.get("id") for el in root.iter(f"{{{BPMN}}}*")
              if el.get("id") and _local(el) not in _NOT_NODES and _local(el) not in _NOT_DRAWN]
    return [i for i in wanted if i not in drawn]


def _layers(nodes: list[str], flows: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path depth of every node; edges that close a cycle are ignored."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for src, dst in flows:
        if src in succ and dst in succ and src != dst:
            succ[src].append(dst)
    indegree = {n: 0 for n in nodes}
    for src, dst in flows:
        if src in succ and dst in indegree and src != dst:
            indegree[dst] += 1
    order, _ = depth_first([n for n in nodes if indegree[n] == 0], succ)
    topo = list(reversed(order))
    position = {n: i for i, n in enumerate(topo)}
    layer = {n: 0 for n in nodes}
    for node in topo:
        for child in succ[node]:
            if position[child] > position[node]:
                layer[child] = max(layer[child], layer[node] + 1)
    return layer


class _Container:
    """Lays out one process or sub-process."""

    def __init__(self, el: etree._Element, pool: etree._Element | None) -> None:
        self.el, self.pool = el, pool
        children = [c for c in el if isinstance(c.tag, str) and c.get("id")]
        self.boundaries = [c for c in children if _local(c) == "boundaryEvent"]
        self.nodes = [c for c in children if _local(c) not in _NOT_NODES and _local(c) != "boundaryEvent"]
        self.flows = [c for c in children if _local(c) == "sequenceFlow"]
        self.host = {b.get("id"): b.get("attachedToRef") for b in self.boundaries}
        self.lanes = self._lanes()

    def _lanes(self) -> list[tuple[etree._Element, list[str]]]:
        """Leaf lanes in document order with the ids of their flow nodes."""
        lane_set = self.el.find("bpmn:laneSet", _NS)
        if lane_set is None:
            return []
        return [(lane, [ref.text.strip() for ref in lane.findall("bpmn:flowNodeRef", _NS) if ref.text])
                for lane in lane_set.iter(f"{{{BPMN}}}lane") if lane.find("bpmn:childLaneSet", _NS) is None]

    def layout(self) -> Plane:
        ids = [n.get("id") for n in self.nodes]
        edges = [(self.host.get(f.get("sourceRef"), f.get("sourceRef")), f.get("targetRef")) for f in self.flows]
        layer = _layers(ids, edges)
        lane_of = self._lane_assignment(ids, edges)
        band_count = max(len(self.lanes), 1)
        rows = self._rows(ids, edges, layer, lane_of)
        band_rows = [1 + max([r for n, r in rows.items() if lane_of[n] == b] or [0]) for b in range(band_count)]
        left = MARGIN + (POOL_HEADER if self.pool is not None else 0) + (LANE_HEADER if self.lanes else 0)
        band_top = [MARGIN + sum(band_rows[:b]) * ROW for b in range(band_count)]
        boxes: dict[str, Box] = {}
        for node in self.nodes:
            nid = node.get("id")
            w, h = _size(node)
            cx = left + layer[nid] * COLUMN + COLUMN / 2
            cy = band_top[lane_of[nid]] + rows[nid] * ROW + ROW / 2
            boxes[nid] = Box(cx - w / 2, cy - h / 2, w, h)
        self._place_boundaries(boxes)
        width = left - MARGIN + (max(layer.values(), default=0) + 1) * COLUMN
        plane = Plane(self.el.get("id"))
        plane.shapes += self._frame(width, [r * ROW for r in band_rows])
        for node in self.nodes + self.boundaries:
            plane.shapes.append(_shape(node, boxes[node.get("id")]))
        plane.edges = [_edge(f, boxes, self.host) for f in self.flows
                       if f.get("sourceRef") in boxes and f.get("targetRef") in boxes]
        return plane

    def _lane_assignment(self, ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
        """Each node's band: its lane, else the lane of a neighbour, else the first band."""
        declared = {ref: i for i, (_, refs) in enumerate(self.lanes) for ref in refs}
        lane_of = {n: declared[n] for n in ids if n in declared}
        for _ in range(len(ids)):
            for src, dst in edges:
                if dst in ids and dst not in lane_of and src in lane_of:
                    lane_of[dst] = lane_of[src]
                if src in ids and src not in lane_of and dst in lane_of:
                    lane_of[src] = lane_of[dst]
        return {n: lane_of.get(n, 0) for n in ids}

    def _rows(self, ids: list[str], edges: list[tuple[str, str]], layer: dict[str, int],
              lane_of: dict[str, int]) -> dict[str, int]:
        """Stack nodes sharing a lane and a column; prefer the row of the first predecessor."""
        boundary_targets = {f.get("targetRef") for f in self.flows if f.get("sourceRef") in self.host}
        preds: dict[str, list[str]] = {n: [] for n in ids}
        for src, dst in edges:
            if dst in preds and src in preds:
                preds[dst].append(src)
        taken: set[tuple[int, int, int]] = set()
        rows: dict[str, int] = {}
        for nid in sorted(ids, key=lambda n: (layer[n], ids.index(n))):
            placed = [p for p in preds[nid] if p in rows and lane_of[p] == lane_of[nid]]
            want = rows[placed[0]] + (1 if nid in boundary_targets else 0) if placed else 0
            row = want
            while (lane_of[nid], layer[nid], row) in taken:
                row += 1
            taken.add((lane_of[nid], layer[nid], row))
            rows[nid] = row
        return rows

    def _place_boundaries(self, boxes: dict[str, Box]) -> None:
        per_host: dict[str, int] = {}
        for b in self.boundaries:
            host = boxes[b.get("attachedToRef")]
            k = per_host.get(b.get("attachedToRef"), 0)
            per_host[b.get("attachedToRef")] = k + 1
            boxes[b.get("id")] = Box(host.x + 4 + k * 56, host.y + host.h - 18, 36, 36)

    def _frame(self, width: float, bands: list[float]) -> list[str]:
        """The pool and lane shapes around the nodes."""
        shapes = []
        x = MARGIN
        if self.pool is not None:
            shapes.append(_plain_shape(self.pool.get("id"), Box(x, MARGIN, width, sum(bands)), horizontal=True))
            x += POOL_HEADER
        if self.lanes:
            top = MARGIN
            for (lane, _), band in zip(self.lanes, bands, strict=True):
                shapes.append(_plain_shape(lane.get("id"), Box(x, top, MARGIN + width - x, band), horizontal=True))
                top += band
        return shapes


def _plain_shape(element: str, box: Box, horizontal: bool = False) -> str:
    extra = ' isHorizontal="true"' if horizontal else ""
    return (f'<bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{extra}>'
            f'<dc:Bounds {box.attrs()} /></bpmndi:BPMNShape>')


def _shape(node: etree._Element, box: Box) -> str:
    name, nid = _local(node), node.get("id")
    extra = ""
    if name == "subProcess":
        extra = ' isExpanded="false"'
    elif name == "exclusiveGateway":
        extra = ' isMarkerVisible="true"'
    return f'<bpmndi:BPMNShape id="{nid}_di" bpmnElement="{nid}"{extra}><dc:Bounds {box.attrs()} /></bpmndi:BPMNShape>'


def _crosses(points: list[tuple[float, float]], boxes: list[Box]) -> bool:
    """Whether an orthogonal polyline passes through any of the boxes."""
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        for b in boxes:
            if lo_x < b.x + b.w and hi_x > b.x and lo_y < b.y + b.h and hi_y > b.y:
                return True
    return False


def _route(src: Box, dst: Box, others: list[Box]) -> list[tuple[float, float]]:
    """Orthogonal waypoints from the right of `src` to the left of `dst`, avoiding other shapes if it can."""
    sx, sy, tx, ty = src.x + src.w, src.y + src.h / 2, dst.x, dst.y + dst.h / 2
    if tx <= sx:  # a flow backwards: around below both shapes
        low = max(src.y + src.h, dst.y + dst.h) + 20
        return [(src.x + src.w / 2, src.y + src.h), (src.x + src.w / 2, low), (dst.x + dst.w / 2, low),
                (dst.x + dst.w / 2, dst.y + dst.h)]
    if abs(sy - ty) < 1 and not _crosses([(sx, sy), (tx, ty)], others):
        return [(sx, sy), (tx, ty)]
    late, early = tx - 25, sx + 25
    channel = (dst.y - (ROW - dst.h) / 2) if ty < sy else (dst.y + dst.h + (ROW - dst.h) / 2)
    candidates = [
        [(sx, sy), (late, sy), (late, ty), (tx, ty)],
        [(sx, sy), (early, sy), (early, ty), (tx, ty)],
        [(sx, sy), (early, sy), (early, channel), (late, channel), (late, ty), (tx, ty)],
    ]
    return next((c for c in candidates if not _crosses(c, others)), candidates[0])


def _edge(flow: etree._Element, boxes: dict[str, Box], hosts: dict[str, str]) -> str:
    source, target = flow.get("sourceRef"), flow.get("targetRef")
    src, dst = boxes[source], boxes[target]
    others = [b for key, b in boxes.items() if key not in (source, target, hosts.get(source)) and key not in hosts]
    if source in hosts:
        sx, sy, tx, ty = src.x + src.w / 2, src.y + src.h, dst.x, dst.y + dst.h / 2
        points = [(sx, sy), (sx, ty), (tx, ty)] if sx < tx and ty > sy else [
            (sx, sy), (sx, sy + 30), (tx - 20, sy + 30), (tx - 20, ty), (tx, ty)]
    else:
        points = _route(src, dst, others)
    waypoints = "".join(f'<di:waypoint x="{x:g}" y="{y:g}" />' for x, y in points)
    fid = flow.get("id")
    return f'<bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}">{waypoints}</bpmndi:BPMNEdge>'


def _planes(root: etree._Element) -> list[Plane]:
    """One plane per executable process (on its collaboration, if any) and per sub-process."""
    planes = []
    participants = {p.get("processRef"): p for p in root.iter(f"{{{BPMN}}}participant")}
    collaboration = root.find("bpmn:collaboration", _NS)
    for process in root.findall("bpmn:process", _NS):
        pool = participants.get(process.get("id"))
        plane = _Container(process, pool).layout()
        if pool is not None and collaboration is not None:
            plane.element = collaboration.get("id")
        planes.append(plane)
        for sub in process.iter(f"{{{BPMN}}}subProcess", f"{{{BPMN}}}transaction"):
            planes.append(_Container(sub, None).layout())
    return planes


def diagram_xml(xml: bytes) -> str:
    """The DI elements (one BPMNDiagram per plane) for a diagram that has none."""
    root = etree.fromstring(xml)
    declared = root.nsmap
    ns = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in (("bpmndi", BPMNDI), ("dc", DC), ("di", DI))
                 if declared.get(prefix) != uri)
    parts = []
    for plane in _planes(root):
        body = "\n      ".join(plane.shapes + plane.edges)
        parts.append(f'  <bpmndi:BPMNDiagram id="{plane.element}_diagram"{ns}>\n'
                     f'    <bpmndi:BPMNPlane id="{plane.element}_plane" bpmnElement="{plane.element}">\n'
                     f'      {body}\n    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n')
    return "".join(parts)


def _strip_di(text: str) -> str:
    start, end = text.find("<bpmndi:BPMNDiagram"), text.rfind("</bpmndi:BPMNDiagram>")
    if start < 0 or end < 0:
        return text
    line_start = text.rfind("\n", 0, start) + 1
    return text[:line_start] + text[end + len("</bpmndi:BPMNDiagram>"):].lstrip("\n")


def add_di(xml: bytes) -> bytes:
    """The diagram with fresh DI before its closing root tag; any previous (incomplete) DI is replaced."""
    text = _strip_di(xml.decode("utf-8"))
    close = text.rstrip().rfind("</")
    return (text[:close] + diagram_xml(text.encode("utf-8")) + text[close:]).encode("utf-8")


def layout_files(folder: Path, check: bool = False) -> list[Path]:
    """The `.bpmn` files under `folder` whose DI is missing or incomplete; unless `check`, lay them out."""
    stale = [p for p in sorted(folder.rglob("*.bpmn")) if missing_shapes(p.read_bytes())]
    if not check:
        for path in stale:
            path.write_bytes(add_di(path.read_bytes()))
    return stale
