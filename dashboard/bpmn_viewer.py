"""A Streamlit component drawing a BPMN diagram with bpmn-js, served by the app from `frontend/node_modules`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "frontend"
INSTALLED = FRONTEND / "node_modules" / "bpmn-js" / "dist" / "bpmn-navigated-viewer.production.min.js"
_component = components.declare_component("bpmn_viewer", path=str(FRONTEND))


def bpmn_viewer(xml: str, current: list[str], done: list[str], height: int = 460, key: str | None = None) -> None:
    """Draw `xml`, marking the elements the case waits at (`current`) and those already passed (`done`)."""
    if not INSTALLED.exists():
        st.warning("流程图组件尚未安装：请运行 bash scripts/setup（从 npm 安装 bpmn-js）。",
                   icon=":material/extension_off:")
        return
    _component(xml=xml, current=current, done=done, height=height, key=key, default=None)
