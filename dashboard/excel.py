"""Export any table the board shows to Excel (.xlsx)."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st


def to_xlsx(table: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buffer.getvalue()


def download_xlsx(table: pd.DataFrame, title: str, key: str) -> None:
    """A download button for `table` as `<title>.xlsx`."""
    st.download_button("导出 Excel", to_xlsx(table, title), file_name=f"{title}.xlsx", key=f"xlsx-{key}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/table_view:")
