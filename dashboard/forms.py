"""Render a user task's form from its JSON Schema, and show each validation error beside its field.

`render_form` draws the fields inside an open `st.form` and returns a function that collects the
data on submit. Errors come from the write path (`InputError.errors`, keyed by field path) and are
passed back in on the next run. The expert score sheet (`scores` keyed by rubric item) is drawn from
the case's rubric instead of the generic schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from workflows.policy.rubrics import Rubric

Collect = Callable[[], dict[str, Any]]
CHECK_CHOICES = ["符合", "基本符合", "不符合"]


def _field_error(errors: dict[str, str], path: str) -> None:
    messages = [m for k, m in errors.items() if k == path or k.startswith(path + ".")]
    for message in messages:
        st.error(message, icon=":material/error:")


def _field(key: str, name: str, spec: dict[str, Any], required: bool) -> Callable[[], Any]:
    """One input widget; returns a getter for its value (None when left empty)."""
    label = spec.get("title", name) + ("（必填）" if required else "")
    wkey = f"{key}.{name}"
    if spec.get("type") == "boolean":
        choice = st.radio(label, ["是", "否"], index=None, horizontal=True, key=wkey)
        return lambda: None if choice is None else choice == "是"
    if spec.get("type") == "array":
        text = st.text_area(label + "（每行一项）", key=wkey)
        return lambda: [line.strip() for line in text.splitlines() if line.strip()] or None
    if spec.get("type") in ("number", "integer"):
        value = st.number_input(label, value=None, min_value=spec.get("minimum"), max_value=spec.get("maximum"),
                                step=1 if spec.get("type") == "integer" else 0.5, key=wkey)
        return lambda: value
    if "enum" in spec:
        value = st.selectbox(label, spec["enum"], index=None, placeholder="请选择", key=wkey)
        return lambda: value
    if spec.get("format") == "date":
        day = st.date_input(label, value=None, format="YYYY-MM-DD", key=wkey)
        return lambda: day.isoformat() if isinstance(day, date) else None
    widget = st.text_area if spec.get("maxLength", 0) > 200 else st.text_input
    text = widget(label, key=wkey)
    return lambda: text.strip() or None


def render_form(key: str, schema: dict[str, Any], errors: dict[str, str], rubric: Rubric | None = None) -> Collect:
    """Draw the schema's fields (inside an `st.form`); returns the collector of submitted values."""
    required = set(schema.get("required", []))
    getters: dict[str, Callable[[], Any]] = {}
    for name, spec in schema.get("properties", {}).items():
        if name == "scores" and rubric is not None:
            getters[name] = _score_items(key, rubric, errors)
        elif spec.get("type") == "object":
            continue  # free-form maps (e.g. bonus points) are not asked for on the board
        else:
            getters[name] = _field(key, name, spec, name in required)
        _field_error(errors, name)
    for path in [p for p in errors if p.split(".")[0] not in schema.get("properties", {})]:
        st.error(errors[path], icon=":material/error:")

    def collect() -> dict[str, Any]:
        values = {name: get() for name, get in getters.items()}
        return {k: v for k, v in values.items() if v is not None}

    return collect


def _score_items(key: str, rubric: Rubric, errors: dict[str, str]) -> Callable[[], Any]:
    """One input per rubric item: points up to the maximum, 符合/基本符合/不符合, or the missing rules."""
    getters: dict[str, Callable[[], Any]] = {}
    for section in rubric.sections:
        st.markdown(f"**{section.title}**（满分 {float(section.max):g}）")
        for item in section.items:
            getters[item.id] = _score_item(key, item)
            _field_error(errors, f"scores.{item.id}")

    def collect() -> dict[str, Any]:
        values = {item_id: get() for item_id, get in getters.items()}
        return {k: v for k, v in values.items() if v is not None}

    return collect


def _score_item(key: str, item: Any) -> Callable[[], Any]:
    label = f"{item.id} {item.title}（{float(item.max):g} 分）"
    wkey = f"{key}.scores.{item.id}"
    if item.kind == "deduction":
        options = [f"{r.id} {r.title}" for r in item.rules]
        picked = st.multiselect(label + "：缺少的制度", options, key=wkey, placeholder="无缺少")
        return lambda: {"missing": [p.split(" ", 1)[0] for p in picked]}
    if item.kind == "check":
        cols = st.columns([3, 1])
        choice = cols[0].radio(label, CHECK_CHOICES, index=None, horizontal=True, key=wkey)
        points = cols[1].number_input("基本符合时的酌情分", value=None, min_value=0.0, max_value=float(item.max),
                                      step=0.5, key=wkey + ".points")
        if choice == "基本符合":
            return lambda: {"value": "基本符合", "points": points}
        return lambda: choice
    value = st.number_input(label, value=None, min_value=0.0, max_value=float(item.max), step=0.5, key=wkey)
    return lambda: value
