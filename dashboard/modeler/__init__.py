"""The bpmn-js modeler as a Streamlit component, served by the app from `frontend/node_modules`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

FRONTEND = Path(__file__).resolve().parent / "frontend"
INSTALLED = FRONTEND / "node_modules" / "bpmn-js" / "dist" / "bpmn-modeler.production.min.js"
_component = components.declare_component("bpmn_modeler", path=str(FRONTEND))


def bpmn_modeler(xml: str, added: list[str] | None = None, changed: list[str] | None = None, height: int = 560,
                 key: str | None = None) -> dict[str, Any] | None:
    """Edit `xml`; returns `{"xml": …, "saved_at": …}` after the user presses 保存草稿, else None.

    `added` and `changed` element ids are highlighted (the diff against the published version)."""
    if not INSTALLED.exists():
        st.warning("流程建模组件尚未安装：请运行 bash scripts/setup（从 npm 安装 bpmn-js）。",
                   icon=":material/extension_off:")
        return None
    return _component(xml=xml, added=added or [], changed=changed or [], height=height, key=key, default=None)
